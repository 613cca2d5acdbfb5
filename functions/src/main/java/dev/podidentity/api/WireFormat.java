package dev.podidentity.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podidentity.domain.Association;
import dev.podidentity.domain.AssociationSummary;
import dev.podidentity.domain.Cluster;
import dev.podidentity.domain.WebhookSync;
import java.util.List;

/** Domain records as the EKS API shapes them (unset members omitted, timestamps as epoch seconds). */
public final class WireFormat {
    private WireFormat() {
    }

    public static ObjectNode association(Association a) {
        ObjectNode n = Json.object();
        n.put("clusterName", a.clusterName());
        n.put("namespace", a.namespace());
        n.put("serviceAccount", a.serviceAccount());
        n.put("roleArn", a.roleArn());
        n.put("associationArn", a.associationArn());
        n.put("associationId", a.associationId());
        n.set("tags", Json.stringMap(a.tags()));
        n.put("createdAt", Json.timestamp(a.createdAt()));
        n.put("modifiedAt", Json.timestamp(a.modifiedAt()));
        putIfPresent(n, "ownerArn", a.ownerArn());
        n.put("disableSessionTags", a.disableSessionTags());
        putIfPresent(n, "targetRoleArn", a.targetRoleArn());
        putIfPresent(n, "externalId", a.externalId());
        putIfPresent(n, "policy", a.policy());
        // members beyond EKS's: sessionTags always (like tags), the name policy always (UNIQUE is EKS's behaviour)
        n.set("sessionTags", Json.stringMap(a.sessionTags()));
        n.put("sessionNamePolicy", a.sessionNamePolicy().name());
        return n;
    }

    public static ObjectNode associationResponse(Association a) {
        ObjectNode n = Json.object();
        n.set("association", association(a));
        return n;
    }

    public static ObjectNode summaries(List<AssociationSummary> items, String nextToken) {
        ObjectNode n = Json.object();
        ArrayNode list = n.putArray("associations");
        for (AssociationSummary s : items) {
            ObjectNode item = list.addObject();
            item.put("clusterName", s.clusterName());
            item.put("namespace", s.namespace());
            item.put("serviceAccount", s.serviceAccount());
            item.put("associationArn", s.associationArn());
            item.put("associationId", s.associationId());
            putIfPresent(item, "ownerArn", s.ownerArn());
        }
        putIfPresent(n, "nextToken", nextToken);
        return n;
    }

    /** A DescribeCluster-compatible subset, plus the registered keys (an extension). */
    public static ObjectNode cluster(Cluster c) {
        ObjectNode n = Json.object();
        n.put("name", c.name());
        n.put("arn", c.arn());
        n.put("createdAt", Json.timestamp(c.createdAt()));
        n.put("status", "ACTIVE");
        n.putObject("identity").putObject("oidc").put("issuer", c.issuer());
        n.set("tags", Json.stringMap(c.tags()));
        n.put("podIdentityAssociationCount", c.associationCount());
        n.put("modifiedAt", Json.timestamp(c.modifiedAt()));
        n.put("podTokenLifetimeSeconds", c.podTokenLifetimeSeconds());
        if (c.podTokenLifetimeEffectiveAt() != null) {
            // a lowered limit: tokens up to the previous one are accepted until then
            n.put("previousPodTokenLifetimeSeconds", c.previousPodTokenLifetimeSeconds());
            n.put("podTokenLifetimeEffectiveAt", Json.timestamp(c.podTokenLifetimeEffectiveAt()));
        }
        n.put("ipFamily", c.effectiveIpFamily().wireName());
        putIfPresent(n, "region", c.region());
        n.put("webhookSyncServiceAccount", WebhookSync.format(c.syncServiceAccount()));
        try {
            n.set("jwks", Json.MAPPER.readTree(c.jwksJson()));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("stored JWKS of " + c.name() + " is not JSON", e);
        }
        return n;
    }

    public static ObjectNode clusterResponse(Cluster c) {
        ObjectNode n = Json.object();
        n.set("cluster", cluster(c));
        return n;
    }

    private static void putIfPresent(ObjectNode n, String field, String value) {
        if (value != null) {
            n.put(field, value);
        }
    }
}
