package dev.podidentity.constructs;

import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awscdk.CustomResource;
import software.constructs.Construct;

/**
 * A cluster registration declared in a CDK app ({@code Custom::PodIdentityCluster}): its issuer and public keys
 * ({@code kubectl get --raw /openid/v1/jwks}). A new name replaces it; new keys or a new lifetime update it in place.
 * Its Ref is the cluster name, so associations that use it are created after it and deleted before it.
 */
public final class PodIdentityCluster extends Construct {
    public static final String RESOURCE_TYPE = "Custom::PodIdentityCluster";
    private final CustomResource resource;

    public PodIdentityCluster(Construct scope, String id, PodIdentityService service, String name, String issuer,
                              String jwksJson, Integer podTokenLifetimeSeconds, Map<String, String> tags) {
        super(scope, id);
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("Name", name);
        properties.put("Issuer", issuer);
        properties.put("Jwks", jwksJson);
        if (podTokenLifetimeSeconds != null) {
            properties.put("PodTokenLifetimeSeconds", podTokenLifetimeSeconds.toString());
        }
        if (tags != null && !tags.isEmpty()) {
            properties.put("Tags", PodIdentityAssociation.keyValues(tags));
        }
        resource = CustomResource.Builder.create(this, "Resource")
                .serviceToken(service.serviceToken())
                .resourceType(RESOURCE_TYPE)
                .properties(properties)
                .build();
    }

    /** The registered name (the resource's Ref): use it as an association's clusterName. */
    public String getClusterName() {
        return resource.getRef();
    }

    public String getClusterArn() {
        return resource.getAttString("Arn");
    }
}
