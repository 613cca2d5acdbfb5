package dev.podidentity.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SessionNamePolicyTest {
    static final PodClaims POD = new PodClaims("payments", "api", "api-7d9f-x2", "uid-1", "pods.eks.amazonaws.com");

    @Test
    void unique_isNewEachTime_withEksShape() {
        String a = SessionNamePolicy.UNIQUE.sessionName("prod", POD);
        String b = SessionNamePolicy.UNIQUE.sessionName("prod", POD);
        assertThat(a).matches("eks-prod-api-7d9f-x2-[a-z0-9]{8}").isNotEqualTo(b);
    }

    @Test
    void pod_andServiceAccount_areDeterministic() {
        assertThat(SessionNamePolicy.POD.sessionName("prod", POD)).isEqualTo("eks-prod-payments-api-7d9f-x2");
        assertThat(SessionNamePolicy.SERVICE_ACCOUNT.sessionName("prod", POD)).isEqualTo("eks-prod-payments-api");
    }

    @Test
    void longNames_keepTheirStart_andEndWithAHashOfTheWhole() {
        String cluster = "c".repeat(100);
        PodClaims a = new PodClaims("ns", "sa", "pod-a", "u", "aud");
        PodClaims b = new PodClaims("ns", "sa", "pod-b", "u", "aud");
        String nameA = SessionNamePolicy.POD.sessionName(cluster, a);
        assertThat(nameA).hasSize(64).startsWith("eks-ccc").matches("[\\w+=,.@-]{51}-[0-9a-f]{12}");
        assertThat(SessionNamePolicy.POD.sessionName(cluster, a)).isEqualTo(nameA);
        assertThat(SessionNamePolicy.POD.sessionName(cluster, b)).isNotEqualTo(nameA);
        assertThat(SessionNamePolicy.stable("eks-a:b")).as("a character STS refuses makes the name hashed")
                .matches("eks-a-b-[0-9a-f]{12}");
    }

    @Test
    void parse_acceptsTheThreeNames_only() {
        assertThat(SessionNamePolicy.parse(null)).isNull();
        assertThat(SessionNamePolicy.parse("SERVICE_ACCOUNT")).isEqualTo(SessionNamePolicy.SERVICE_ACCOUNT);
        assertThatThrownBy(() -> SessionNamePolicy.parse("pod")).isInstanceOf(ServiceException.class)
                .hasMessageContaining("use one of UNIQUE, POD, SERVICE_ACCOUNT");
    }
}
