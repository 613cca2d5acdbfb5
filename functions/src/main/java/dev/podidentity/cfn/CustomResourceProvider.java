package dev.podidentity.cfn;

import dev.podidentity.domain.Association;
import dev.podidentity.domain.Cluster;
import dev.podidentity.domain.ErrorCode;
import dev.podidentity.domain.ServiceException;
import dev.podidentity.domain.ServiceIdentity;
import dev.podidentity.service.AssociationService;
import dev.podidentity.service.ClusterService;
import dev.podidentity.service.CreateAssociationRequest;
import dev.podidentity.service.TagService;
import dev.podidentity.service.UpdateAssociationRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code Custom::PodIdentityCluster} and {@code Custom::PodIdentityAssociation} on the services, with the semantics of
 * {@code AWS::EKS::PodIdentityAssociation}: a change of cluster, namespace or service account creates a new
 * association under a new physical id (CloudFormation then deletes the old one), other changes update in place,
 * deleting what is gone succeeds, a retried Create is answered from the first (the request's id is the
 * clientRequestToken), and a refusal reaches CloudFormation as FAILED with the service's message.
 *
 * <p>Caller: CloudFormation invokes the provider with the deployer's credentials, so {@code lambda:InvokeFunction}
 * on it is the gate (grant it as you would the association API). The role checks run as for the API, except
 * iam:PassRole, which has no caller to simulate here: the service acts as the account ({@link #callerArn}).
 */
public final class CustomResourceProvider {
    public static final String CLUSTER_TYPE = "Custom::PodIdentityCluster";
    public static final String ASSOCIATION_TYPE = "Custom::PodIdentityAssociation";
    /** Properties whose change replaces the association, as for AWS::EKS::PodIdentityAssociation. */
    static final List<String> REPLACING = List.of("ClusterName", "Namespace", "ServiceAccount");
    private static final Logger LOG = LoggerFactory.getLogger(CustomResourceProvider.class);

    private final AssociationService associations;
    private final ClusterService clusters;
    private final TagService tags;
    private final ServiceIdentity identity;
    private final String callerArn;

    public CustomResourceProvider(AssociationService associations, ClusterService clusters, TagService tags,
                                  ServiceIdentity identity) {
        this.associations = associations;
        this.clusters = clusters;
        this.tags = tags;
        this.identity = identity;
        this.callerArn = "arn:" + identity.partition() + ":iam::" + identity.accountId() + ":root";
    }

    /** Answers one request; never throws (CloudFormation would wait an hour for a response that never comes). */
    public CustomResourceResponse handle(CustomResourceEvent event) {
        // a failed Create has no resource: its physical id only has to be stable for the Delete that follows
        String fallbackId = event.physicalResourceId() != null ? event.physicalResourceId()
                : "failed-" + event.logicalResourceId() + "-" + event.requestId();
        try {
            CustomResourceResponse response = switch (String.valueOf(event.resourceType())) {
                case CLUSTER_TYPE -> cluster(event);
                case ASSOCIATION_TYPE -> association(event);
                default -> event.requestType() != null && event.requestType().equals("Delete")
                        ? CustomResourceResponse.success(fallbackId, Map.of())
                        : CustomResourceResponse.failed(fallbackId, "Unsupported resource type " + event.resourceType()
                        + ": use " + CLUSTER_TYPE + " or " + ASSOCIATION_TYPE);
            };
            LOG.info("{} {} {}: {}", event.requestType(), event.resourceType(), event.logicalResourceId(),
                    response.success() ? "SUCCESS" : "FAILED");
            return response;
        } catch (ServiceException e) {
            LOG.info("{} {} {}: FAILED ({})", event.requestType(), event.resourceType(), event.logicalResourceId(),
                    e.code().wireName());
            return CustomResourceResponse.failed(fallbackId, e.code().wireName() + ": " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("{} {} {} failed", event.requestType(), event.resourceType(), event.logicalResourceId(), e);
            return CustomResourceResponse.failed(fallbackId, "Internal error of the pod identity provider (request "
                    + event.requestId() + "): see its log group");
        }
    }

    // ------------------------------------------------------------------ associations

    private CustomResourceResponse association(CustomResourceEvent event) {
        ResourceProperties props = new ResourceProperties(event.properties());
        return switch (String.valueOf(event.requestType())) {
            case "Create" -> createAssociation(event, props);
            case "Update" -> {
                ResourceProperties old = new ResourceProperties(event.oldProperties());
                boolean replace = REPLACING.stream().anyMatch(p -> !props.same(old, p))
                        || associationId(event.physicalResourceId()) == null;
                yield replace ? createAssociation(event, props) : updateAssociation(event, props, old);
            }
            case "Delete" -> deleteAssociation(event);
            default -> throw ServiceException.invalidRequest("Unknown RequestType " + event.requestType());
        };
    }

    private CustomResourceResponse createAssociation(CustomResourceEvent event, ResourceProperties props) {
        Association a = associations.create(new CreateAssociationRequest(props.required("ClusterName"),
                props.required("Namespace"), props.required("ServiceAccount"), props.required("RoleArn"),
                clientRequestToken(event), props.tags("Tags"), props.flag("DisableSessionTags"),
                emptyAsNull(props.string("TargetRoleArn")), emptyAsNull(props.document("Policy")),
                props.tags("SessionTags"), emptyAsNull(props.string("SessionNamePolicy"))), callerArn);
        return CustomResourceResponse.success(a.associationArn(), attributes(a));
    }

    private CustomResourceResponse updateAssociation(CustomResourceEvent event, ResourceProperties props,
                                                     ResourceProperties old) {
        ServiceIdentity.AssociationResource id = associationId(event.physicalResourceId());
        Map<String, String> sessionTags = props.tags("SessionTags");
        boolean disable = props.flag("DisableSessionTags");
        String target = props.string("TargetRoleArn");
        String policy = props.document("Policy");
        String namePolicy = props.string("SessionNamePolicy");
        // an absent property returns to the default, as CloudFormation users expect of a removed line
        Association a = associations.update(new UpdateAssociationRequest(id.clusterName(), id.associationId(),
                props.required("RoleArn"), null, disable, target == null ? "" : target,
                policy == null ? "" : policy, sessionTags == null ? Map.of() : sessionTags,
                namePolicy == null || namePolicy.isEmpty() ? "UNIQUE" : namePolicy), callerArn);
        retag(a.associationArn(), props.tags("Tags"), old.tags("Tags"));
        return CustomResourceResponse.success(a.associationArn(),
                attributes(associations.describe(id.clusterName(), id.associationId())));
    }

    private CustomResourceResponse deleteAssociation(CustomResourceEvent event) {
        ServiceIdentity.AssociationResource id = associationId(event.physicalResourceId());
        if (id != null) {
            try {
                associations.delete(id.clusterName(), id.associationId());
            } catch (ServiceException e) {
                if (e.code() != ErrorCode.RESOURCE_NOT_FOUND) {
                    throw e;
                }
            }
        }
        return CustomResourceResponse.success(event.physicalResourceId(), Map.of());
    }

    private static Map<String, String> attributes(Association a) {
        Map<String, String> data = new HashMap<>();
        data.put("AssociationArn", a.associationArn());
        data.put("AssociationId", a.associationId());
        data.put("ClusterName", a.clusterName());
        if (a.externalId() != null) {
            data.put("ExternalId", a.externalId());
        }
        return data;
    }

    /** The association a physical id names, or null for one that never named an association (a failed Create). */
    private ServiceIdentity.AssociationResource associationId(String physicalResourceId) {
        if (physicalResourceId == null) {
            return null;
        }
        try {
            return identity.resource(physicalResourceId) instanceof ServiceIdentity.AssociationResource a ? a : null;
        } catch (ServiceException e) {
            return null;
        }
    }

    // ------------------------------------------------------------------ clusters

    private CustomResourceResponse cluster(CustomResourceEvent event) {
        ResourceProperties props = new ResourceProperties(event.properties());
        return switch (String.valueOf(event.requestType())) {
            case "Create" -> createCluster(props);
            case "Update" -> {
                ResourceProperties old = new ResourceProperties(event.oldProperties());
                if (!props.same(old, "Name")) {
                    yield createCluster(props);
                }
                Cluster c = registerCluster(props);
                retag(c.arn(), props.tags("Tags"), old.tags("Tags"));
                yield CustomResourceResponse.success(c.name(), attributes(clusters.describe(c.name())));
            }
            case "Delete" -> deleteCluster(event);
            default -> throw ServiceException.invalidRequest("Unknown RequestType " + event.requestType());
        };
    }

    /** A new cluster; a retried Create finds its own registration (same issuer) and registers it again, unchanged. */
    private CustomResourceResponse createCluster(ResourceProperties props) {
        String name = props.required("Name");
        String issuer = props.string("Issuer");
        try {
            Cluster existing = clusters.describe(name);
            if (!existing.issuer().equals(issuer)) {
                throw ServiceException.inUse("Cluster " + name + " is already registered with issuer "
                        + existing.issuer() + ": choose another Name, or delete it first");
            }
        } catch (ServiceException e) {
            if (e.code() != ErrorCode.RESOURCE_NOT_FOUND) {
                throw e;
            }
        }
        Cluster c = registerCluster(props);
        return CustomResourceResponse.success(c.name(), attributes(c));
    }

    private Cluster registerCluster(ResourceProperties props) {
        return clusters.register(props.required("Name"), props.string("Issuer"), props.document("Jwks"),
                props.tags("Tags"), props.integer("PodTokenLifetimeSeconds"), false).cluster();
    }

    private CustomResourceResponse deleteCluster(CustomResourceEvent event) {
        try {
            clusters.delete(event.physicalResourceId());
        } catch (ServiceException e) {
            // gone already, or a physical id that never was a cluster name (a failed Create)
            if (e.code() != ErrorCode.RESOURCE_NOT_FOUND && e.code() != ErrorCode.INVALID_PARAMETER) {
                throw e;
            }
        }
        return CustomResourceResponse.success(event.physicalResourceId(), Map.of());
    }

    private static Map<String, String> attributes(Cluster c) {
        return Map.of("Arn", c.arn(), "Name", c.name());
    }

    // ------------------------------------------------------------------ shared

    /** Tags on the resource follow the template: new and changed ones set, removed ones untagged. */
    private void retag(String arn, Map<String, String> wanted, Map<String, String> before) {
        Map<String, String> now = wanted == null ? Map.of() : wanted;
        Set<String> removed = new HashSet<>(before == null ? Set.of() : before.keySet());
        removed.removeAll(now.keySet());
        if (!removed.isEmpty()) {
            tags.untag(arn, removed);
        }
        if (!now.isEmpty()) {
            tags.tag(arn, now);
        }
    }

    /** One token per request: a retry of the same request (same RequestId) is answered with the first's result. */
    static String clientRequestToken(CustomResourceEvent event) {
        String source = event.stackId() + "\0" + event.logicalResourceId() + "\0" + event.requestId();
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(source.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String emptyAsNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
