package dev.podidentity.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class RouteTest {

    @ParameterizedTest
    @EnumSource(Route.class)
    void handlerClass_existsByConvention_andIsAnApiHandlerWithANoArgConstructor(Route route) throws Exception {
        Class<?> type = Class.forName(route.handlerClassName(), false, getClass().getClassLoader());
        assertThat(ApiHandler.class).isAssignableFrom(type);
        assertThat(type.getConstructor()).isNotNull();
        assertThat(route.lambdaHandler()).isEqualTo(route.handlerClassName() + "::handleRequest");
        // what Lambda's _HANDLER names is the route primed before a SnapStart snapshot
        assertThat(Priming.routeOf(route.lambdaHandler())).contains(route);
    }

    @ParameterizedTest
    @EnumSource(Route.class)
    void primingEvent_isGeneratedFromThePathTemplate_withEveryLabel(Route route) {
        var event = Priming.event(route);
        assertThat(event.get("httpMethod").asText()).isEqualTo(route.method());
        assertThat(event.get("resource").asText()).isEqualTo(route.pathTemplate());
        Set<String> labels = new HashSet<>();
        for (String segment : route.segments()) {
            if (segment.startsWith("{")) {
                labels.add(segment.replaceAll("[{}+]", ""));
            }
        }
        Set<String> parameters = new HashSet<>();
        event.path("pathParameters").fieldNames().forEachRemaining(parameters::add);
        assertThat(parameters).as(route + " path parameters").isEqualTo(labels);
        String path = event.get("path").asText();
        assertThat(path).doesNotContain("{").startsWith("/");
    }

    @Test
    void noRoute_isPrimed_outsideLambda_orForAnotherHandler() {
        assertThat(Priming.routeOf(null)).isEmpty();
        assertThat(Priming.routeOf("example.Handler::handleRequest")).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Route.class)
    void capabilities_matchThePackageThatCarriesTheirClients(Route route) {
        if (route.has(Capability.ASSUMES_ROLES)) {
            assertThat(route.functionPackage()).as("STS is only in the broker package").isEqualTo(FunctionPackage.BROKER);
        }
        if (route.has(Capability.CHECKS_ROLES)) {
            assertThat(route.functionPackage()).as("IAM is only in the admin package").isEqualTo(FunctionPackage.ADMIN);
        }
        assertThat(route.tableActions()).as("every function reads or queries the table").isNotEmpty();
        assertThat(route.pathTemplate()).startsWith("/").doesNotEndWith("/");
    }

    @Test
    void exactlyOneRoute_isTheCredentialBroker_andItNeedsNoGatewayAuthorization() {
        assertThat(Route.all()).filteredOn(r -> r.has(Capability.ASSUMES_ROLES))
                .singleElement().satisfies(r -> assertThat(r.authorization()).isEqualTo(Authorization.NONE));
    }

    @Test
    void operations_andMethodPaths_areUnique() {
        Set<String> operations = new HashSet<>();
        Set<String> methodPaths = new HashSet<>();
        for (Route r : Route.all()) {
            assertThat(operations.add(r.operation())).as(r.operation()).isTrue();
            // API Gateway cannot tell {a} from {b} at the same level: compare with labels erased
            assertThat(methodPaths.add(r.method() + " " + r.pathTemplate().replaceAll("\\{[^}]+}", "{}")))
                    .as(r.method() + " " + r.pathTemplate()).isTrue();
            assertThat(Route.byOperation(r.operation())).isSameAs(r);
        }
    }
}
