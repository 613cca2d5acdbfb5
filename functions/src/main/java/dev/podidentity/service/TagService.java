package dev.podidentity.service;

import dev.podidentity.domain.Association;
import dev.podidentity.domain.AssociationId;
import dev.podidentity.domain.Cluster;
import dev.podidentity.domain.ClusterName;
import dev.podidentity.domain.ErrorCode;
import dev.podidentity.domain.PodIdentityStore;
import dev.podidentity.domain.ServiceException;
import dev.podidentity.domain.ServiceIdentity;
import dev.podidentity.domain.ServiceIdentity.AssociationResource;
import dev.podidentity.domain.ServiceIdentity.ClusterResource;
import dev.podidentity.domain.Tags;
import java.time.Clock;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/** TagResource, UntagResource and ListTagsForResource on cluster and association ARNs. */
public final class TagService {
    private final PodIdentityStore store;
    private final ServiceIdentity identity;
    private final Clock clock;

    public TagService(PodIdentityStore store, ServiceIdentity identity, Clock clock) {
        this.store = store;
        this.identity = identity;
        this.clock = clock;
    }

    public Map<String, String> list(String resourceArn) {
        return switch (identity.resource(resourceArn)) {
            case ClusterResource c -> cluster(c).tags();
            case AssociationResource a -> association(a).tags();
        };
    }

    public void tag(String resourceArn, Map<String, String> tags) {
        if (tags == null || tags.isEmpty()) {
            throw new ServiceException(ErrorCode.BAD_REQUEST, "tags is required: give at least one tag");
        }
        Map<String, String> valid = Tags.validate(tags, ErrorCode.BAD_REQUEST);
        change(resourceArn, current -> {
            Map<String, String> merged = new HashMap<>(current);
            merged.putAll(valid);
            if (merged.size() > Tags.MAX_TAGS) {
                throw new ServiceException(ErrorCode.BAD_REQUEST, "the resource would have " + merged.size()
                        + " tags: at most " + Tags.MAX_TAGS + " are allowed");
            }
            return merged;
        });
    }

    public void untag(String resourceArn, Collection<String> keys) {
        Tags.validateKeys(keys, ErrorCode.BAD_REQUEST);
        change(resourceArn, current -> {
            Map<String, String> remaining = new HashMap<>(current);
            keys.forEach(remaining::remove);
            return remaining;
        });
    }

    private void change(String resourceArn, UnaryOperator<Map<String, String>> edit) {
        var resource = identity.resource(resourceArn);
        AssociationService.retryingConflicts(() -> {
            switch (resource) {
                case ClusterResource c -> {
                    Cluster current = cluster(c);
                    store.replaceClusterTags(current, edit.apply(current.tags()));
                }
                case AssociationResource a -> {
                    Association current = association(a);
                    store.updateAssociation(current, current.withTags(edit.apply(current.tags()), clock.instant()));
                }
            }
            return null;
        });
    }

    private Cluster cluster(ClusterResource c) {
        String name = validName(c.clusterName());
        return store.findCluster(name).orElseThrow(() -> notFound("Cluster " + name));
    }

    private Association association(AssociationResource a) {
        String name = validName(a.clusterName());
        if (!AssociationId.isValid(a.associationId())) {
            throw new ServiceException(ErrorCode.BAD_REQUEST, "resourceArn names an invalid association id");
        }
        return store.findAssociation(name, a.associationId())
                .orElseThrow(() -> notFound("Pod identity association " + a.associationId() + " of cluster " + name));
    }

    private static String validName(String clusterName) {
        try {
            return new ClusterName(clusterName).value();
        } catch (ServiceException e) {
            throw new ServiceException(ErrorCode.BAD_REQUEST, "resourceArn names an invalid cluster: " + e.getMessage());
        }
    }

    private static ServiceException notFound(String what) {
        return new ServiceException(ErrorCode.NOT_FOUND, what + " not found");
    }
}
