package dev.podidentity.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The cluster's pod token lifetime limit: ten minutes to two days, never the value kube-apiserver extends. */
class PodTokenLifetimeTest {

    @ParameterizedTest
    @ValueSource(ints = {PodTokenLifetime.MIN_SECONDS, 3600, 3606, 3608, 86_400, PodTokenLifetime.MAX_SECONDS})
    void aLifetimeWithinTheBoundsIsKept(int seconds) {
        assertThat(PodTokenLifetime.validate(seconds)).isEqualTo(seconds);
    }

    @Test
    void noLifetimeStaysNone() {
        assertThat(PodTokenLifetime.validate(null)).isNull();
    }

    @ParameterizedTest
    @ValueSource(ints = {Integer.MIN_VALUE, -1, 0, PodTokenLifetime.MIN_SECONDS - 1, PodTokenLifetime.MAX_SECONDS + 1,
            Integer.MAX_VALUE})
    void aLifetimeOutsideTheBoundsIsInvalidParameter_namingThem(int seconds) {
        assertThatThrownBy(() -> PodTokenLifetime.validate(seconds))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PARAMETER))
                .hasMessageContaining("between 600 and 172800 seconds, got " + seconds);
    }

    @Test
    void theLifetimeKubernetesExtendsToAYearIsRefused_suggestingItsNeighbours() {
        assertThatThrownBy(() -> PodTokenLifetime.validate(PodTokenLifetime.EXTENDED_BY_KUBERNETES))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PARAMETER))
                .hasMessageContaining("must not be 3607").hasMessageContaining("use 3600 or 3608");
    }
}
