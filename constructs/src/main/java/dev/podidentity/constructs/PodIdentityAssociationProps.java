package dev.podidentity.constructs;

import java.util.Map;
import java.util.Objects;
import software.amazon.awscdk.services.iam.IRole;
import software.amazon.awscdk.services.iam.PolicyDocument;

/**
 * The association's properties, as {@code AWS::EKS::PodIdentityAssociation} has them plus {@code sessionTags} and
 * {@code sessionNamePolicy}. A change of cluster, namespace or service account replaces the association.
 */
public record PodIdentityAssociationProps(
        PodIdentityService service,
        String clusterName,
        String namespace,
        String serviceAccount,
        IRole role,
        String targetRoleArn,
        boolean disableSessionTags,
        PolicyDocument policy,
        Map<String, String> sessionTags,
        SessionNamePolicy sessionNamePolicy,
        Map<String, String> tags) {

    public PodIdentityAssociationProps {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(clusterName, "clusterName");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(serviceAccount, "serviceAccount");
        Objects.requireNonNull(role, "role");
        sessionTags = sessionTags == null ? Map.of() : Map.copyOf(sessionTags);
        tags = tags == null ? Map.of() : Map.copyOf(tags);
        sessionNamePolicy = sessionNamePolicy == null ? SessionNamePolicy.UNIQUE : sessionNamePolicy;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Fluent construction, as CDK users know it from the CDK's own props. */
    public static final class Builder {
        private PodIdentityService service;
        private String clusterName;
        private String namespace;
        private String serviceAccount;
        private IRole role;
        private String targetRoleArn;
        private boolean disableSessionTags;
        private PolicyDocument policy;
        private Map<String, String> sessionTags;
        private SessionNamePolicy sessionNamePolicy;
        private Map<String, String> tags;

        public Builder service(PodIdentityService value) {
            this.service = value;
            return this;
        }

        public Builder clusterName(String value) {
            this.clusterName = value;
            return this;
        }

        public Builder namespace(String value) {
            this.namespace = value;
            return this;
        }

        public Builder serviceAccount(String value) {
            this.serviceAccount = value;
            return this;
        }

        public Builder role(IRole value) {
            this.role = value;
            return this;
        }

        public Builder targetRoleArn(String value) {
            this.targetRoleArn = value;
            return this;
        }

        public Builder disableSessionTags(boolean value) {
            this.disableSessionTags = value;
            return this;
        }

        public Builder policy(PolicyDocument value) {
            this.policy = value;
            return this;
        }

        public Builder sessionTags(Map<String, String> value) {
            this.sessionTags = value;
            return this;
        }

        public Builder sessionNamePolicy(SessionNamePolicy value) {
            this.sessionNamePolicy = value;
            return this;
        }

        public Builder tags(Map<String, String> value) {
            this.tags = value;
            return this;
        }

        public PodIdentityAssociationProps build() {
            return new PodIdentityAssociationProps(service, clusterName, namespace, serviceAccount, role, targetRoleArn,
                    disableSessionTags, policy, sessionTags, sessionNamePolicy, tags);
        }
    }
}
