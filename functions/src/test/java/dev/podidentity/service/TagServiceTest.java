package dev.podidentity.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podidentity.domain.Association;
import dev.podidentity.domain.ErrorCode;
import dev.podidentity.domain.ServiceException;
import dev.podidentity.domain.Tags;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** TagService on cluster and association ARNs over the in-memory store. */
class TagServiceTest {
    ServiceFixture f;
    TagService service;
    String clusterArn;
    String associationArn;

    @BeforeEach
    void setUp() {
        f = new ServiceFixture();
        clusterArn = f.cluster("prod").arn();
        Association a = new AssociationService(f.store, (role, tagSession, caller) -> { }, ServiceFixture.IDENTITY,
                f.pageTokens, f.clock).create(new CreateAssociationRequest("prod", "payments", "api",
                AssociationServiceTest.ROLE, null, Map.of("team", "a"), null, null, null), null);
        associationArn = a.associationArn();
        service = new TagService(f.store, ServiceFixture.IDENTITY, f.clock);
    }

    static void assertCode(Throwable thrown, ErrorCode code) {
        assertThat(thrown).isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(code));
    }

    @Test
    void tag_mergesIntoTheClustersTags_andBumpsItsVersion() {
        long version = f.store.findCluster("prod").orElseThrow().version();

        service.tag(clusterArn, Map.of("env", "prod", "owner", "x"));
        service.tag(clusterArn, Map.of("env", "staging"));

        assertThat(service.list(clusterArn)).containsOnly(Map.entry("env", "staging"), Map.entry("owner", "x"));
        assertThat(f.store.findCluster("prod").orElseThrow().version()).isEqualTo(version + 2);
    }

    @Test
    void tag_andUntag_changeTheAssociationsTags_keepingItsSettings() {
        service.tag(associationArn, Map.of("env", "prod"));
        service.untag(associationArn, List.of("team", "absent-key"));

        assertThat(service.list(associationArn)).containsOnly(Map.entry("env", "prod"));
        assertThat(f.store.findBinding("prod", "payments", "api").orElseThrow().roleArn())
                .isEqualTo(AssociationServiceTest.ROLE);
    }

    @Test
    void untag_removesOnlyTheNamedKeys_fromTheCluster() {
        service.tag(clusterArn, Map.of("a", "1", "b", "2", "c", "3"));

        service.untag(clusterArn, List.of("a", "c"));

        assertThat(service.list(clusterArn)).containsOnly(Map.entry("b", "2"));
    }

    @Test
    void tag_isBadRequest_andChangesNothing_whenTheResourceWouldHaveMoreThanFiftyTags() {
        Map<String, String> fifty = new HashMap<>();
        IntStream.range(0, Tags.MAX_TAGS).forEach(i -> fifty.put("k" + i, "v"));
        service.tag(clusterArn, fifty);

        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> service.tag(clusterArn, Map.of("one-more", "v")));

        assertCode(thrown, ErrorCode.BAD_REQUEST);
        assertThat(thrown).hasMessageContaining("51 tags");
        assertThat(service.list(clusterArn)).hasSize(Tags.MAX_TAGS).doesNotContainKey("one-more");
    }

    @ParameterizedTest
    @ValueSource(strings = {"aws:reserved", "AWS:upper"})
    void tag_isBadRequest_forAwsPrefixedKeys(String key) {
        assertThatThrownBy(() -> service.tag(associationArn, Map.of(key, "v")))
                .satisfies(e -> assertCode(e, ErrorCode.BAD_REQUEST)).hasMessageContaining("reserved");
        assertThatThrownBy(() -> service.untag(associationArn, List.of(key)))
                .satisfies(e -> assertCode(e, ErrorCode.BAD_REQUEST));
        assertThat(service.list(associationArn)).containsOnly(Map.entry("team", "a"));
    }

    @Test
    void tagAndUntag_areBadRequest_withoutTagsOrKeys() {
        assertThatThrownBy(() -> service.tag(clusterArn, Map.of())).satisfies(e -> assertCode(e, ErrorCode.BAD_REQUEST))
                .hasMessageContaining("tags is required");
        assertThatThrownBy(() -> service.untag(clusterArn, List.of())).satisfies(e -> assertCode(e, ErrorCode.BAD_REQUEST))
                .hasMessageContaining("tagKeys is required");
    }

    @Test
    void everyOperation_isNotFound_forAClusterOrAssociationThatDoesNotExist() {
        String absentCluster = ServiceFixture.IDENTITY.clusterArn("absent");
        String absentAssociation = ServiceFixture.IDENTITY.associationArn("prod", "a-0123456789abcdefg");

        for (String arn : List.of(absentCluster, absentAssociation)) {
            assertThatThrownBy(() -> service.list(arn)).satisfies(e -> assertCode(e, ErrorCode.NOT_FOUND));
            assertThatThrownBy(() -> service.tag(arn, Map.of("k", "v"))).satisfies(e -> assertCode(e, ErrorCode.NOT_FOUND));
            assertThatThrownBy(() -> service.untag(arn, List.of("k"))).satisfies(e -> assertCode(e, ErrorCode.NOT_FOUND));
        }
    }

    @Test
    void list_isNotFound_forAnotherAccountsArn_andBadRequest_forAnArnThatIsNoClusterOrAssociation() {
        assertThatThrownBy(() -> service.list("arn:aws:eks:us-east-1:999988887777:cluster/prod"))
                .satisfies(e -> assertCode(e, ErrorCode.NOT_FOUND));
        assertThatThrownBy(() -> service.list("arn:aws:s3:::bucket")).satisfies(e -> assertCode(e, ErrorCode.BAD_REQUEST));
        assertThatThrownBy(() -> service.list(ServiceFixture.IDENTITY.associationArn("prod", "not-an-id")))
                .satisfies(e -> assertCode(e, ErrorCode.BAD_REQUEST));
    }
}
