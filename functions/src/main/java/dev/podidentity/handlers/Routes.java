package dev.podidentity.handlers;

import dev.podidentity.api.ApiHandler;
import dev.podidentity.api.Route;
import dev.podidentity.config.Composition;
import java.util.List;

/**
 * Binds each {@link Route} to its handler. The switch is exhaustive, so a route without a handler does not compile.
 * Lambda itself constructs handlers with their no-arg constructors (which use the environment's composition); this
 * is for running handlers around another composition (the local stack, tests, the benchmark).
 */
public final class Routes {
    /** Every route, in table order. */
    public static final List<Route> ALL = Route.all();

    private Routes() {
    }

    public static Route byOperation(String operation) {
        return Route.byOperation(operation);
    }

    /** The route's handler, built around the given composition. */
    public static ApiHandler handler(Route route, Composition c) {
        return switch (route) {
            case CREATE_POD_IDENTITY_ASSOCIATION -> new CreatePodIdentityAssociationHandler(c.associations());
            case LIST_POD_IDENTITY_ASSOCIATIONS -> new ListPodIdentityAssociationsHandler(c.associations());
            case DESCRIBE_POD_IDENTITY_ASSOCIATION -> new DescribePodIdentityAssociationHandler(c.associations());
            case UPDATE_POD_IDENTITY_ASSOCIATION -> new UpdatePodIdentityAssociationHandler(c.associations());
            case DELETE_POD_IDENTITY_ASSOCIATION -> new DeletePodIdentityAssociationHandler(c.associations());
            case TAG_RESOURCE -> new TagResourceHandler(c.tags());
            case UNTAG_RESOURCE -> new UntagResourceHandler(c.tags());
            case LIST_TAGS_FOR_RESOURCE -> new ListTagsForResourceHandler(c.tags());
            case REGISTER_CLUSTER -> new RegisterClusterHandler(c);
            case DESCRIBE_CLUSTER -> new DescribeClusterHandler(c.clusters());
            case LIST_CLUSTERS -> new ListClustersHandler(c.clusters());
            case DELETE_CLUSTER -> new DeleteClusterHandler(c.clusters());
            case DIAGNOSE_POD_IDENTITY -> new DiagnosePodIdentityHandler(c.diagnosis());
            case ASSUME_ROLE_FOR_POD_IDENTITY -> new AssumeRoleForPodIdentityHandler(c);
            case ADMIT_POD -> new AdmitPodHandler(c);
            case GET_WEBHOOK_IDENTITIES -> new GetWebhookIdentitiesHandler(c.clusters());
            case SYNC_WEBHOOK_IDENTITIES -> new SyncWebhookIdentitiesHandler(c.webhookSync());
        };
    }
}
