package dev.podidentity.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SessionTagsTest {

    static void refused(Map<String, String> tags, String message) {
        assertThatThrownBy(() -> SessionTags.validate(tags)).isInstanceOf(ServiceException.class)
                .satisfies(e -> assertThat(((ServiceException) e).code()).isEqualTo(ErrorCode.INVALID_PARAMETER))
                .hasMessageContaining(message);
    }

    @Test
    void theSixEksKeys_countAgainstStsFifty() {
        Map<String, String> max = new HashMap<>();
        for (int i = 0; i < 44; i++) {
            max.put("k" + i, "v");
        }
        assertThat(SessionTags.validate(max)).hasSize(44);
        max.put("k44", "v");
        refused(max, "STS allows 50 session tags in all and the service sets 6, so at most 44");
    }

    @Test
    void limits_reservedPrefixes_caseInsensitiveDuplicates_andCharacters() {
        assertThat(SessionTags.validate(null)).isEmpty();
        assertThat(SessionTags.validate(Map.of("team", "", "Cost Center", "é 42/x@y"))).hasSize(2);
        refused(Map.of("kubernetes-pod-name", "x"), "is reserved");
        refused(Map.of("Eks-anything", "x"), "is reserved");
        refused(Map.of("aws:team", "x"), "is reserved");
        refused(Map.of("Team", "a", "team", "b"), "differ only in case");
        refused(Map.of("k".repeat(129), "v"), "1-128 characters");
        refused(Map.of("k", "v".repeat(257)), "at most 256");
        refused(Map.of("k;", "v"), "characters STS session tags cannot hold");
        refused(Map.of("k", "v\n"), "characters STS session tags cannot hold");
        assertThat(SessionTags.EKS_KEYS).hasSize(6);
    }
}
