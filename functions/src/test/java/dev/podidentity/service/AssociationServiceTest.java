package dev.podidentity.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podidentity.domain.Association;
import dev.podidentity.domain.AssociationSummary;
import dev.podidentity.domain.ErrorCode;
import dev.podidentity.domain.RoleArn;
import dev.podidentity.domain.RoleValidator;
import dev.podidentity.domain.ServiceException;
import dev.podidentity.testing.InMemoryStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** AssociationService over the in-memory store: EKS's rules and the store's conditions, without HTTP. */
class AssociationServiceTest {
    static final String ROLE = "arn:aws:iam::" + ServiceFixture.ACCOUNT + ":role/app";
    static final String OTHER_ROLE = "arn:aws:iam::" + ServiceFixture.ACCOUNT + ":role/other";
    static final String TARGET = "arn:aws:iam::999988887777:role/target";
    static final String POLICY = "{\"Version\":\"2012-10-17\",\"Statement\":[]}";
    static final String CALLER = "arn:aws:iam::" + ServiceFixture.ACCOUNT + ":user/admin";

    /** Records each check; refuses roles named in {@code refused} with AccessDenied, as the IAM validator would. */
    static final class RecordingRoles implements RoleValidator {
        final List<String> checks = new ArrayList<>();
        final Map<String, ServiceException> refused = new HashMap<>();

        @Override
        public void validate(RoleArn role, boolean needsTagSession, String callerArn) {
            checks.add(role.arn() + " tagSession=" + needsTagSession + " caller=" + callerArn);
            ServiceException refusal = refused.get(role.arn());
            if (refusal != null) {
                throw refusal;
            }
        }
    }

    ServiceFixture f;
    RecordingRoles roles;
    AssociationService service;

    @BeforeEach
    void setUp() {
        f = new ServiceFixture();
        f.cluster("prod");
        roles = new RecordingRoles();
        service = new AssociationService(f.store, roles, ServiceFixture.IDENTITY, f.pageTokens, f.clock);
    }

    static CreateAssociationRequest create(String namespace, String serviceAccount, String token) {
        return new CreateAssociationRequest("prod", namespace, serviceAccount, ROLE, token, Map.of("team", "a"),
                null, null, null);
    }

    static UpdateAssociationRequest update(String id, String roleArn, Boolean disableSessionTags, String target,
                                           String policy) {
        return new UpdateAssociationRequest("prod", id, roleArn, null, disableSessionTags, target, policy);
    }

    // ------------------------------------------------------------------ create

    @Test
    void create_storesAssociationAndBinding_countedOnTheCluster_whenValid() {
        Association created = service.create(create("payments", "api", null), CALLER);

        assertThat(created.associationArn()).isEqualTo(ServiceFixture.IDENTITY.associationArn("prod", created.associationId()));
        assertThat(created.tags()).containsEntry("team", "a");
        assertThat(created.createdAt()).isEqualTo(ServiceFixture.START);
        assertThat(service.describe("prod", created.associationId())).isEqualTo(created);
        assertThat(f.store.findBinding("prod", "payments", "api")).get()
                .satisfies(b -> assertThat(b.associationId()).isEqualTo(created.associationId()))
                .satisfies(b -> assertThat(b.roleArn()).isEqualTo(ROLE));
        assertThat(f.store.findCluster("prod").orElseThrow().associationCount()).isEqualTo(1);
        assertThat(roles.checks).containsExactly(ROLE + " tagSession=true caller=" + CALLER);
    }

    static Stream<Arguments> invalidCreates() {
        String longPolicy = "{\"Statement\":[],\"x\":\"" + "a".repeat(2048) + "\"}";
        return Stream.of(
                Arguments.of(new CreateAssociationRequest("bad name!", "ns", "sa", ROLE, null, null, null, null, null), "clusterName"),
                Arguments.of(new CreateAssociationRequest("prod", "Not_A_Namespace", "sa", ROLE, null, null, null, null, null), "namespace"),
                Arguments.of(new CreateAssociationRequest("prod", "ns", null, ROLE, null, null, null, null, null), "serviceAccount is required"),
                Arguments.of(new CreateAssociationRequest("prod", "ns", "sa", "arn:aws:s3:::bucket", null, null, null, null, null), "not an IAM role ARN"),
                Arguments.of(new CreateAssociationRequest("prod", "ns", "sa", "arn:aws:iam::999988887777:role/x", null, null, null, null, null), "use targetRoleArn"),
                Arguments.of(new CreateAssociationRequest("prod", "ns", "sa", "arn:aws-cn:iam::" + ServiceFixture.ACCOUNT + ":role/x", null, null, null, null, null), "partition"),
                Arguments.of(new CreateAssociationRequest("prod", "ns", "sa", ROLE, null, null, null, "arn:aws-cn:iam::999988887777:role/t", null), "targetRoleArn"),
                Arguments.of(new CreateAssociationRequest("prod", "ns", "sa", ROLE, null, null, null, null, POLICY), "only with disableSessionTags=true"),
                Arguments.of(new CreateAssociationRequest("prod", "ns", "sa", ROLE, null, null, true, null, "[1]"), "not an IAM policy document"),
                Arguments.of(new CreateAssociationRequest("prod", "ns", "sa", ROLE, null, null, true, null, "{"), "not valid JSON"),
                Arguments.of(new CreateAssociationRequest("prod", "ns", "sa", ROLE, null, null, true, null, longPolicy), "at most 2048"),
                Arguments.of(new CreateAssociationRequest("prod", "ns", "sa", ROLE, null, Map.of("aws:x", "v"), null, null, null), "reserved"),
                Arguments.of(new CreateAssociationRequest("prod", "ns", "sa", ROLE, "has space", null, null, null, null), "clientRequestToken"));
    }

    @ParameterizedTest
    @MethodSource("invalidCreates")
    void create_isInvalidParameter_andWritesNothing_whenAMemberIsInvalid(CreateAssociationRequest request, String message) {
        assertThatThrownBy(() -> service.create(request, CALLER))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PARAMETER))
                .hasMessageContaining(message);
        assertThat(roles.checks).isEmpty();
        assertThat(f.store.findCluster("prod").orElseThrow().associationCount()).isZero();
    }

    @Test
    void create_isTheValidatorsRefusal_andWritesNothing_whenTheRoleIsRefused() {
        roles.refused.put(ROLE, new ServiceException(ErrorCode.ACCESS_DENIED, "no iam:PassRole"));

        assertThatThrownBy(() -> service.create(create("payments", "api", null), CALLER))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ACCESS_DENIED));
        assertThat(f.store.findBinding("prod", "payments", "api")).isEmpty();
    }

    @Test
    void create_asksForTagSessionTrust_onlyWhenSessionTagsAreOn() {
        service.create(new CreateAssociationRequest("prod", "ns", "sa", ROLE, null, null, true, TARGET, POLICY), null);

        assertThat(roles.checks).containsExactly(ROLE + " tagSession=false caller=null");
        Association stored = f.store.listAssociations("prod", "ns", "sa", 10, null).items().stream()
                .map(s -> service.describe("prod", s.associationId())).findFirst().orElseThrow();
        assertThat(stored.policy()).isEqualTo(POLICY);
        assertThat(stored.targetRoleArn()).isEqualTo(TARGET);
        assertThat(stored.externalId()).isNotBlank();
    }

    @Test
    void create_isResourceNotFound_whenTheClusterIsNotRegistered() {
        CreateAssociationRequest request = new CreateAssociationRequest("absent", "ns", "sa", ROLE, null, null, null, null, null);

        assertThatThrownBy(() -> service.create(request, CALLER))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.RESOURCE_NOT_FOUND))
                .hasMessageContaining("absent");
    }

    @Test
    void create_isResourceInUseNamingTheExistingAssociation_whenTheServiceAccountIsAlreadyAssociated() {
        Association first = service.create(create("payments", "api", null), CALLER);

        assertThatThrownBy(() -> service.create(create("payments", "api", null), CALLER))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.RESOURCE_IN_USE))
                .hasMessage("Association already exists: " + first.associationId());
        assertThat(f.store.findCluster("prod").orElseThrow().associationCount()).isEqualTo(1);
    }

    @Test
    void create_answersTheOriginalAssociation_whenRetriedWithTheSameTokenAndParameters() {
        Association first = service.create(create("payments", "api", "token-1"), CALLER);
        f.clock.advance(java.time.Duration.ofMinutes(5));

        Association retried = service.create(create("payments", "api", "token-1"), CALLER);

        assertThat(retried).isEqualTo(first);
        assertThat(f.store.findCluster("prod").orElseThrow().associationCount()).isEqualTo(1);
    }

    @Test
    void create_isInvalidRequest_whenTheTokenComesBackWithOtherParameters() {
        service.create(create("payments", "api", "token-1"), CALLER);

        assertThatThrownBy(() -> service.create(create("payments", "worker", "token-1"), CALLER))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST))
                .hasMessageContaining("token-1").hasMessageContaining("different parameters");
        assertThat(f.store.findBinding("prod", "payments", "worker")).isEmpty();
    }

    @Test
    void create_createsAgain_whenTheTokenHasExpired() {
        Association first = service.create(create("payments", "api", "token-1"), CALLER);
        service.delete("prod", first.associationId());
        f.clock.advance(AssociationService.TOKEN_RETENTION.plusSeconds(1));

        Association second = service.create(create("payments", "api", "token-1"), CALLER);

        assertThat(second.associationId()).isNotEqualTo(first.associationId());
    }

    @Test
    void create_isResourceInUse_whenTheTokensAssociationWasDeletedMeanwhile() {
        Association first = service.create(create("payments", "api", "token-1"), CALLER);
        service.delete("prod", first.associationId());

        assertThatThrownBy(() -> service.create(create("payments", "api", "token-1"), CALLER))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.RESOURCE_IN_USE))
                .hasMessageContaining("has since been deleted");
    }

    @Test
    @Tag("slow") // 5,000 creates: left out of the mutation gate (functions/pom.xml), run by every `mvn test`
    void create_isResourceLimitExceeded_whenTheClusterHasItsQuota() {
        IntStream.range(0, InMemoryStore.MAX_ASSOCIATIONS_PER_CLUSTER)
                .forEach(i -> service.create(create("ns", "sa-" + i, null), CALLER));

        assertThatThrownBy(() -> service.create(create("ns", "one-more", null), CALLER))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.RESOURCE_LIMIT_EXCEEDED))
                .hasMessageContaining("the maximum is 5000");
        assertThat(f.store.findBinding("prod", "ns", "one-more")).isEmpty();
    }

    // ------------------------------------------------------------------ update

    @Test
    void update_isInvalidParameter_whenNothingWouldChange() {
        Association a = service.create(create("payments", "api", null), CALLER);

        assertThatThrownBy(() -> service.update(update(a.associationId(), null, null, null, null), CALLER))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PARAMETER))
                .hasMessageContaining("Nothing to update");
    }

    @Test
    void update_changesRoleAndBinding_andValidatesTheNewRole() {
        Association a = service.create(create("payments", "api", null), CALLER);
        roles.checks.clear();
        f.clock.advance(java.time.Duration.ofSeconds(10));

        Association updated = service.update(update(a.associationId(), OTHER_ROLE, null, null, null), CALLER);

        assertThat(updated.roleArn()).isEqualTo(OTHER_ROLE);
        assertThat(updated.version()).isEqualTo(a.version() + 1);
        assertThat(updated.modifiedAt()).isAfter(a.modifiedAt());
        assertThat(f.store.findBinding("prod", "payments", "api").orElseThrow().roleArn()).isEqualTo(OTHER_ROLE);
        assertThat(roles.checks).containsExactly(OTHER_ROLE + " tagSession=true caller=" + CALLER);
    }

    @Test
    void update_isInvalidParameter_whenAPolicyComesWithoutDisableSessionTags() {
        Association a = service.create(create("payments", "api", null), CALLER);

        assertThatThrownBy(() -> service.update(update(a.associationId(), null, null, null, POLICY), CALLER))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PARAMETER))
                .hasMessageContaining("disableSessionTags");
        assertThat(service.describe("prod", a.associationId()).policy()).isNull();
    }

    @Test
    void update_setsAndRemovesThePolicy_withDisableSessionTags() {
        Association a = service.create(create("payments", "api", null), CALLER);

        Association withPolicy = service.update(update(a.associationId(), null, true, null, POLICY), CALLER);
        Association without = service.update(update(a.associationId(), null, null, null, ""), CALLER);

        assertThat(withPolicy.policy()).isEqualTo(POLICY);
        assertThat(without.policy()).isNull();
        assertThat(without.disableSessionTags()).isTrue();
    }

    @Test
    void update_turningSessionTagsBackOn_checksTheRoleForTagSessionAndPassRoleAgain() {
        Association a = service.create(new CreateAssociationRequest("prod", "payments", "api", ROLE, null, null, true,
                null, null), CALLER);
        roles.checks.clear();

        service.update(update(a.associationId(), null, false, null, null), CALLER);

        assertThat(roles.checks).containsExactly(ROLE + " tagSession=true caller=" + CALLER);
    }

    @Test
    void update_turningSessionTagsBackOn_isRefusedWhenTheRoleDoesNotAllowTagSession_changingNothing() {
        Association a = service.create(new CreateAssociationRequest("prod", "payments", "api", ROLE, null, null, true,
                null, null), CALLER);
        roles.refused.put(ROLE, new ServiceException(ErrorCode.INVALID_PARAMETER, "no sts:TagSession"));

        assertThatThrownBy(() -> service.update(update(a.associationId(), null, false, null, null), CALLER))
                .hasMessageContaining("sts:TagSession");
        assertThat(service.describe("prod", a.associationId()).disableSessionTags()).isTrue();
    }

    @Test
    void update_thatKeepsRoleAndSessionTags_checksNoRole() {
        Association a = service.create(create("payments", "api", null), CALLER);
        roles.checks.clear();

        service.update(update(a.associationId(), null, true, null, null), CALLER);
        service.update(update(a.associationId(), ROLE, null, TARGET, null), CALLER);

        assertThat(roles.checks).isEmpty();
    }

    @Test
    void update_givesAnExternalIdWithATarget_keepsItAcrossUpdates_andDropsItWithTheTarget() {
        Association a = service.create(create("payments", "api", null), CALLER);

        Association targeted = service.update(update(a.associationId(), null, null, TARGET, null), CALLER);
        Association retargeted = service.update(update(a.associationId(), null, null,
                "arn:aws:iam::999988887777:role/second", null), CALLER);
        Association untargeted = service.update(update(a.associationId(), null, null, "", null), CALLER);

        assertThat(targeted.externalId()).isNotBlank();
        assertThat(retargeted.externalId()).isEqualTo(targeted.externalId());
        assertThat(untargeted.targetRoleArn()).isNull();
        assertThat(untargeted.externalId()).isNull();
        assertThat(f.store.findBinding("prod", "payments", "api").orElseThrow().externalId()).isNull();
    }

    @Test
    void update_isResourceNotFound_whenTheAssociationDoesNotExist() {
        assertThatThrownBy(() -> service.update(update("a-0123456789abcdefg", OTHER_ROLE, null, null, null), CALLER))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.RESOURCE_NOT_FOUND));
    }

    // ------------------------------------------------------------------ delete

    @Test
    void delete_removesAssociationAndBinding_andUncounts() {
        Association a = service.create(create("payments", "api", null), CALLER);

        Association deleted = service.delete("prod", a.associationId());

        assertThat(deleted).isEqualTo(a);
        assertThat(f.store.findAssociation("prod", a.associationId())).isEmpty();
        assertThat(f.store.findBinding("prod", "payments", "api")).isEmpty();
        assertThat(f.store.findCluster("prod").orElseThrow().associationCount()).isZero();
        assertThatThrownBy(() -> service.delete("prod", a.associationId()))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.RESOURCE_NOT_FOUND));
    }

    @Test
    void delete_thenCreate_bindsTheServiceAccountAgain() {
        Association a = service.create(create("payments", "api", null), CALLER);
        service.delete("prod", a.associationId());

        Association again = service.create(create("payments", "api", null), CALLER);

        assertThat(f.store.findBinding("prod", "payments", "api").orElseThrow().associationId())
                .isEqualTo(again.associationId()).isNotEqualTo(a.associationId());
    }

    // -------------------------------------------------------------------- list

    @Test
    void list_pagesThroughEveryAssociationOnce_inSubjectOrder_withSealedTokens() {
        List<String> created = new ArrayList<>();
        for (String ns : List.of("b", "a")) {
            for (int i = 0; i < 5; i++) {
                created.add(service.create(create(ns, "sa-" + i, null), CALLER).associationId());
            }
        }

        List<AssociationSummary> seen = new ArrayList<>();
        String next = null;
        int pages = 0;
        do {
            ListResult<AssociationSummary> page = service.list("prod", null, null, 3, next);
            seen.addAll(page.items());
            next = page.nextToken();
            pages++;
        } while (next != null);

        assertThat(pages).isEqualTo(4);
        assertThat(seen).extracting(AssociationSummary::associationId).containsExactlyInAnyOrderElementsOf(created);
        assertThat(seen).extracting(s -> s.namespace() + "/" + s.serviceAccount()).isSorted();
    }

    @Test
    void list_filtersByNamespaceAndServiceAccount() {
        service.create(create("a", "api", null), CALLER);
        service.create(create("b", "api", null), CALLER);
        service.create(create("b", "worker", null), CALLER);

        assertThat(service.list("prod", "b", null, null, null).items()).extracting(AssociationSummary::serviceAccount)
                .containsExactly("api", "worker");
        assertThat(service.list("prod", null, "api", null, null).items()).extracting(AssociationSummary::namespace)
                .containsExactly("a", "b");
        assertThat(service.list("prod", "b", "worker", null, null).items()).hasSize(1);
    }

    @Test
    void list_isInvalidParameter_whenTheNextTokenIsTamperedWith_orOfOtherFilters() {
        for (int i = 0; i < 3; i++) {
            service.create(create("ns", "sa-" + i, null), CALLER);
        }
        String next = service.list("prod", null, null, 1, null).nextToken();
        assertThat(next).isNotNull();
        String tampered = (next.charAt(0) == 'A' ? 'B' : 'A') + next.substring(1);

        assertThatThrownBy(() -> service.list("prod", null, null, 1, tampered))
                .isInstanceOfSatisfying(ServiceException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PARAMETER);
                    assertThat(e.code().httpStatus()).isEqualTo(400);
                })
                .hasMessageContaining("nextToken");
        assertThatThrownBy(() -> service.list("prod", "ns", null, 1, next))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PARAMETER));
        assertThat(service.list("prod", null, null, 1, next).items()).hasSize(1);
    }

    @Test
    void list_isInvalidParameterForMaxResults_andNotFoundForAnUnknownCluster() {
        assertThatThrownBy(() -> service.list("prod", null, null, 101, null))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PARAMETER))
                .hasMessageContaining("maxResults");
        assertThatThrownBy(() -> service.list("absent", null, null, null, null))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.RESOURCE_NOT_FOUND));
    }
}
