package dev.podidentity.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ValidationTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "prod", "Prod-1_x", "0cluster", "a23456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"})
    void clusterName_isAccepted_whenItMatchesTheEksPattern(String name) {
        assertThat(new ClusterName(name).value()).isEqualTo(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-a", "_a", "a b", "a.b", "a/b", "é",
            "a2345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901"})
    void clusterName_isInvalidParameter_whenItBreaksThePattern(String name) {
        assertThatThrownBy(() -> new ClusterName(name))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PARAMETER));
    }

    @ParameterizedTest
    @CsvSource({"default,default", "kube-system,coredns", "a,a.b.c", "x1,sa-1.prod"})
    void subject_isAccepted_forDnsLabelNamespaceAndDnsSubdomainServiceAccount(String ns, String sa) {
        Subject s = new Subject(ns, sa);
        assertThat(s.tokenSubject()).isEqualTo("system:serviceaccount:" + ns + ":" + sa);
    }

    @ParameterizedTest
    @CsvSource({"Default,sa,namespace", "-ns,sa,namespace", "ns-,sa,namespace", "n.s,sa,namespace",
            "ns,Sa,serviceAccount", "ns,sa..b,serviceAccount", "ns,.sa,serviceAccount", "ns,sa_1,serviceAccount"})
    void subject_namesTheBadMember_whenInvalid(String ns, String sa, String member) {
        assertThatThrownBy(() -> new Subject(ns, sa)).isInstanceOf(ServiceException.class).hasMessageStartingWith(member);
    }

    @Test
    void subject_limitsLengths() {
        assertThatThrownBy(() -> new Subject("a".repeat(64), "sa")).hasMessageContaining("at most 63");
        assertThat(new Subject("a".repeat(63), "b".repeat(253)).serviceAccount()).hasSize(253);
        assertThatThrownBy(() -> new Subject("ns", "b".repeat(254))).hasMessageContaining("at most 253");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "arn:aws:iam::123456789012:role/app|aws|123456789012|/|app",
            "arn:aws-cn:iam::123456789012:role/a/b/app+=,.@-|aws-cn|123456789012|/a/b/|app+=,.@-",
            "arn:aws-us-gov:iam::000000000000:role/x|aws-us-gov|000000000000|/|x"})
    void roleArn_isParsed(String arn, String partition, String account, String path, String name) {
        RoleArn r = RoleArn.parse("roleArn", arn);
        assertThat(r.partition()).isEqualTo(partition);
        assertThat(r.accountId()).isEqualTo(account);
        assertThat(r.path()).isEqualTo(path);
        assertThat(r.name()).isEqualTo(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"arn:aws:iam::12345678901:role/x", "arn:aws:iam::123456789012:user/x",
            "arn:aws:sts::123456789012:assumed-role/x/y", "arn:foo:iam::123456789012:role/x", "role/x",
            "arn:aws:iam::123456789012:role/", "arn:aws:iam::123456789012:role/x y"})
    void roleArn_isInvalidParameter_whenNotAnIamRoleArn(String arn) {
        assertThatThrownBy(() -> RoleArn.parse("roleArn", arn)).isInstanceOf(ServiceException.class)
                .hasMessageContaining("roleArn");
    }

    @Test
    void associationId_isA_dashAnd17LowercaseAlphanumerics_andRandom() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String id = AssociationId.random().value();
            assertThat(id).matches("a-[a-z0-9]{17}");
            ids.add(id);
        }
        assertThat(ids).hasSize(1000);
        assertThatThrownBy(() -> new AssociationId("a-ABCDEFGHIJKLMNOPQ")).isInstanceOf(ServiceException.class);
        assertThatThrownBy(() -> new AssociationId("a-123")).isInstanceOf(ServiceException.class);
    }

    @Test
    void tags_followAwsLimits() {
        assertThat(Tags.validate(Map.of("team", "a b:c/d=e+f-g@h_i.j", "k", ""), ErrorCode.BAD_REQUEST)).hasSize(2);
        assertThatThrownBy(() -> Tags.validate(Map.of("", "v"), ErrorCode.BAD_REQUEST)).hasMessageContaining("1-128");
        assertThatThrownBy(() -> Tags.validate(Map.of("k".repeat(129), "v"), ErrorCode.BAD_REQUEST)).hasMessageContaining("1-128");
        assertThatThrownBy(() -> Tags.validate(Map.of("k", "v".repeat(257)), ErrorCode.BAD_REQUEST)).hasMessageContaining("256");
        assertThatThrownBy(() -> Tags.validate(Map.of("AWS:x", "v"), ErrorCode.BAD_REQUEST)).hasMessageContaining("reserved");
        assertThatThrownBy(() -> Tags.validate(Map.of("k", "v\n"), ErrorCode.BAD_REQUEST)).hasMessageContaining("characters");
        Map<String, String> many = new HashMap<>();
        for (int i = 0; i < 51; i++) {
            many.put("k" + i, "v");
        }
        assertThatThrownBy(() -> Tags.validate(many, ErrorCode.INVALID_PARAMETER))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PARAMETER))
                .hasMessageContaining("at most 50");
    }

    @Test
    void text_escapesControlCharactersAndCutsLongValues() {
        assertThat(Text.printable("a\nb\u0000")).isEqualTo("a\\u000ab\\u0000");
        assertThat(Text.printable("x".repeat(500))).hasSize(123).endsWith("...");
    }

    @Test
    void serviceIdentity_makesArnsAndResolvesTagResources() {
        ServiceIdentity id = new ServiceIdentity("aws", "eu-west-1", "123456789012");
        assertThat(id.clusterArn("c")).isEqualTo("arn:aws:eks:eu-west-1:123456789012:cluster/c");
        assertThat(id.associationArn("c", "a-1")).isEqualTo("arn:aws:eks:eu-west-1:123456789012:podidentityassociation/c/a-1");
        assertThat(id.resource("arn:aws:eks:eu-west-1:123456789012:cluster/c"))
                .isEqualTo(new ServiceIdentity.ClusterResource("c"));
        assertThat(id.resource("arn:aws:eks:eu-west-1:123456789012:podidentityassociation/c/a-1"))
                .isEqualTo(new ServiceIdentity.AssociationResource("c", "a-1"));
        assertThatThrownBy(() -> id.resource("arn:aws:eks:us-east-1:123456789012:cluster/c"))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
        assertThatThrownBy(() -> id.resource("arn:aws:s3:::bucket"))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST));
        assertThat(ServiceIdentity.partitionOf("cn-north-1")).isEqualTo("aws-cn");
        assertThat(ServiceIdentity.partitionOf("us-gov-west-1")).isEqualTo("aws-us-gov");
        assertThat(ServiceIdentity.partitionOf("eu-central-1")).isEqualTo("aws");
    }
}
