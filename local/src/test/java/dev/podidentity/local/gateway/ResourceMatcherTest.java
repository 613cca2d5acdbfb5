package dev.podidentity.local.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podidentity.api.Route;
import dev.podidentity.handlers.Routes;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Resource matching as API Gateway REST APIs do it: decode once, then match; specific before variable before greedy. */
class ResourceMatcherTest {
    static final ResourceMatcher<Route> API = ResourceMatcher.of(Routes.ALL);

    static ResourceMatcher.Resource route(String method, String path) {
        return new ResourceMatcher.Resource(method + " " + path, method, path);
    }

    static ResourceMatcher<ResourceMatcher.Resource> matcher(List<ResourceMatcher.Resource> routes) {
        return new ResourceMatcher<>(routes, r -> r);
    }

    static String operation(String method, String path) {
        ResourceMatcher.Match<Route> m = API.match(method, path);
        return m == null ? null : m.route().operation();
    }

    @Test
    void tagRoutes_takeTheArn_encodedOrRaw_asReceived() {
        String encoded = "arn%3Aaws%3Aeks%3Aus-east-1%3A000000000000%3Apodidentityassociation%2Fdemo%2Fa-1";
        ResourceMatcher.Match<Route> m = API.match("GET", "/tags/" + encoded);
        assertThat(m.route().operation()).isEqualTo("ListTagsForResource");
        assertThat(m.pathParameters()).isEqualTo(Map.of("resourceArn", encoded));
        String raw = "arn:aws:eks:us-east-1:000000000000:podidentityassociation/demo/a-1";
        assertThat(API.match("POST", "/tags/" + raw).pathParameters()).isEqualTo(Map.of("resourceArn", raw));
        assertThat(operation("DELETE", "/tags/" + raw)).isEqualTo("UntagResource");
        assertThat(operation("POST", "/tags/arn%3aaws%3aeks%3aus-east-1%3a000000000000%3acluster%2fdemo")).isEqualTo("TagResource");
    }

    @Test
    void nothingButTheTagRoutes_isCaughtByTheGreedyResource() {
        assertThat(operation("GET", "/tags")).isNull();
        assertThat(operation("GET", "/tags/")).isNull();
        assertThat(operation("GET", "/tags//")).isNull();
        assertThat(operation("PUT", "/tags/x")).isNull();
        assertThat(operation("GET", "/clusters")).isEqualTo("ListClusters");
        assertThat(operation("GET", "/clusters/demo")).isEqualTo("DescribeCluster");
        assertThat(operation("POST", "/clusters/demo/assume-role-for-pod-identity")).isEqualTo("AssumeRoleForPodIdentity");
        assertThat(operation("GET", "/clusters/demo/unknown")).isNull();
    }

    @Test
    void anEncodedSlash_separatesSegments_likeARawOne() {
        assertThat(operation("GET", "/clusters/a%2Fb/pod-identity-associations")).isNull();
        assertThat(operation("GET", "/clusters%2Fdemo")).isEqualTo("DescribeCluster");
        ResourceMatcher.Match<Route> m = API.match("GET", "/clusters/demo/pod-identity-associations/a-%30");
        assertThat(m.route().operation()).isEqualTo("DescribePodIdentityAssociation");
        assertThat(m.pathParameters()).containsEntry("name", "demo").containsEntry("associationId", "a-%30");
    }

    @Test
    void literalsWin_overVariables_whichWinOverGreedy() {
        ResourceMatcher<ResourceMatcher.Resource> m = matcher(List.of(route("GET", "/a/{proxy+}"), route("GET", "/a/b/{id}"),
                route("GET", "/a/b/c"), route("GET", "/x/{v}/d"), route("GET", "/x/{v}/{w+}")));
        assertThat(m.match("GET", "/a/b/c").route().pathTemplate()).isEqualTo("/a/b/c");
        assertThat(m.match("GET", "/a/b/z").route().pathTemplate()).isEqualTo("/a/b/{id}");
        assertThat(m.match("GET", "/a/q/e").route().pathTemplate()).isEqualTo("/a/{proxy+}");
        assertThat(m.match("GET", "/a/q/e%2Ff").pathParameters()).isEqualTo(Map.of("proxy", "q/e%2Ff"));
        assertThat(m.match("GET", "/x/q/d").route().pathTemplate()).isEqualTo("/x/{v}/d");
        assertThat(m.match("GET", "/x/q/d/e").pathParameters()).isEqualTo(Map.of("v", "q", "w", "d/e"));
        assertThat(m.match("POST", "/a/b/c")).as("the most specific resource has no POST").isNull();
    }

    @Test
    void routeTablesApiGatewayWouldRefuse_doNotStart() {
        assertThatThrownBy(() -> matcher(List.of(route("GET", "/tags/{resourceArn}"), route("POST", "/tags/{resourceArn+}"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("two variable children");
        assertThatThrownBy(() -> matcher(List.of(route("GET", "/a/{p+}/b"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be the last part");
        assertThatThrownBy(() -> matcher(List.of(route("GET", "/c/{name}"), route("GET", "/c/{id}/x"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("two variable children");
    }

    @Test
    void decode_isOnce_andKeepsPlus() {
        assertThat(ResourceMatcher.decode("a%252Fb+c%3A%ZZ")).isEqualTo("a%2Fb+c:%ZZ");
        assertThat(ResourceMatcher.decode("%CE%BB")).isEqualTo("λ");
    }
}
