package dev.podidentity.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.podidentity.api.Priming;
import dev.podidentity.api.Route;
import dev.podidentity.config.Composition;
import dev.podidentity.handlers.Routes;
import org.junit.jupiter.api.Test;

/** SnapStart priming runs every handler's request path against the real stack and changes nothing. */
class PrimingTest {

    @Test
    void everyHandler_primes_withoutErrors_andWithoutWriting() {
        LocalStack stack = TestStack.get();
        for (Route route : Routes.ALL) {
            Composition composition = Composition.from(stack.functionEnvironment(route));
            composition.prime();
            var handler = Routes.handler(route, composition);
            assertThatCode(handler::prime).as(route.operation()).doesNotThrowAnyException();
        }
        try (var eks = TestStack.eks()) {
            assertThat(eks.listClusters().clusters()).doesNotContain(Priming.CLUSTER);
        }
        assertThat(stack.aws().assumeRoleCalls()).noneMatch(c -> c.sessionName().contains(Priming.CLUSTER));
    }
}
