package dev.podidentity.constructs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awscdk.CustomResource;
import software.amazon.awscdk.Stack;
import software.constructs.Construct;

/**
 * A pod identity association declared in a CDK app: a {@code Custom::PodIdentityAssociation} served by the pod
 * identity stack's provider ({@link PodIdentityService#serviceToken()}). Its Ref is the association ARN.
 */
public final class PodIdentityAssociation extends Construct {
    public static final String RESOURCE_TYPE = "Custom::PodIdentityAssociation";
    private final CustomResource resource;

    public PodIdentityAssociation(Construct scope, String id, PodIdentityAssociationProps props) {
        super(scope, id);
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("ClusterName", props.clusterName());
        properties.put("Namespace", props.namespace());
        properties.put("ServiceAccount", props.serviceAccount());
        // a role of the app: its ARN (Fn::GetAtt) orders the association after the role and its trust policy
        properties.put("RoleArn", props.role().getRoleArn());
        if (props.targetRoleArn() != null) {
            properties.put("TargetRoleArn", props.targetRoleArn());
        }
        if (props.disableSessionTags()) {
            properties.put("DisableSessionTags", "true");
        }
        if (props.policy() != null) {
            properties.put("Policy", Stack.of(this).toJsonString(props.policy()));
        }
        if (!props.sessionTags().isEmpty()) {
            properties.put("SessionTags", keyValues(props.sessionTags()));
        }
        if (props.sessionNamePolicy() != SessionNamePolicy.UNIQUE) {
            properties.put("SessionNamePolicy", props.sessionNamePolicy().name());
        }
        if (!props.tags().isEmpty()) {
            properties.put("Tags", keyValues(props.tags()));
        }
        resource = CustomResource.Builder.create(this, "Resource")
                .serviceToken(props.service().serviceToken())
                .resourceType(RESOURCE_TYPE)
                .properties(properties)
                .build();
    }

    /** CloudFormation's tag convention: a list of {Key, Value}, sorted so the template is stable. */
    static List<Map<String, String>> keyValues(Map<String, String> tags) {
        List<Map<String, String>> out = new ArrayList<>();
        new TreeMap<>(tags).forEach((k, v) -> out.add(Map.of("Key", k, "Value", v)));
        return out;
    }

    public String getAssociationArn() {
        return resource.getRef();
    }

    public String getAssociationId() {
        return resource.getAttString("AssociationId");
    }

    /** The external id the service generated for a target role (empty without one). */
    public String getExternalId() {
        return resource.getAttString("ExternalId");
    }
}
