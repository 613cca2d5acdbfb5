package dev.podidentity.adapter.dynamodb;

import static dev.podidentity.adapter.dynamodb.Attributes.bool;
import static dev.podidentity.adapter.dynamodb.Attributes.instant;
import static dev.podidentity.adapter.dynamodb.Attributes.n;
import static dev.podidentity.adapter.dynamodb.Attributes.number;
import static dev.podidentity.adapter.dynamodb.Attributes.putIfPresent;
import static dev.podidentity.adapter.dynamodb.Attributes.s;
import static dev.podidentity.adapter.dynamodb.Attributes.string;
import static dev.podidentity.adapter.dynamodb.Attributes.stringMap;

import dev.podidentity.domain.Association;
import dev.podidentity.domain.AssociationSummary;
import dev.podidentity.domain.Cluster;
import dev.podidentity.domain.PodDeletion;
import dev.podidentity.domain.SessionNamePolicy;
import dev.podidentity.domain.SubjectBinding;
import dev.podidentity.domain.WebhookSync;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Domain records to and from DynamoDB items; the only place that knows attribute names. */
final class ItemMapper {
    static final String CLUSTER_NAME = "clusterName";
    static final String NAMESPACE = "namespace";
    static final String SERVICE_ACCOUNT = "serviceAccount";
    static final String ROLE_ARN = "roleArn";
    static final String ASSOCIATION_ARN = "associationArn";
    static final String ASSOCIATION_ID = "associationId";
    static final String TAGS = "tags";
    static final String CREATED_AT = "createdAt";
    static final String MODIFIED_AT = "modifiedAt";
    static final String OWNER_ARN = "ownerArn";
    static final String DISABLE_SESSION_TAGS = "disableSessionTags";
    static final String TARGET_ROLE_ARN = "targetRoleArn";
    static final String EXTERNAL_ID = "externalId";
    static final String POLICY = "policy";
    static final String VERSION = "version";
    static final String ARN = "arn";
    static final String ISSUER = "issuer";
    static final String JWKS = "jwks";
    static final String ASSOCIATION_COUNT = "associationCount";
    static final String REQUEST_HASH = "requestHash";
    static final String POD_TOKEN_LIFETIME = "podTokenLifetimeSeconds";
    static final String WEBHOOK_KEY_HASH = "webhookKeyHash";
    static final String IP_FAMILY = "ipFamily";
    /** Not "region": a DynamoDB reserved word in expressions. */
    static final String REGION = "awsRegion";
    static final String PREVIOUS_POD_TOKEN_LIFETIME = "previousPodTokenLifetimeSeconds";
    static final String POD_TOKEN_LIFETIME_EFFECTIVE_AT = "podTokenLifetimeEffectiveAt";
    static final String POD_UID = "podUid";
    static final String POD_NAME = "podName";
    static final String DELETED_AT = "deletedAt";
    static final String SESSION_TAGS = "sessionTags";
    static final String SESSION_NAME_POLICY = "sessionNamePolicy";
    /** {@code namespace/name}; absent: the default ({@link WebhookSync#DEFAULT_SERVICE_ACCOUNT}). */
    static final String WEBHOOK_SYNC_SERVICE_ACCOUNT = "webhookSyncServiceAccount";

    private ItemMapper() {
    }

    static Map<String, AttributeValue> key(String pk, String sk) {
        return Map.of(TableSchema.PK, s(pk), TableSchema.SK, s(sk));
    }

    static Map<String, AttributeValue> associationKey(String clusterName, String associationId) {
        return key(TableSchema.clusterPk(clusterName), TableSchema.associationSk(associationId));
    }

    static Map<String, AttributeValue> bindingKey(String clusterName, String namespace, String serviceAccount) {
        return key(TableSchema.clusterPk(clusterName), TableSchema.subjectSk(namespace, serviceAccount));
    }

    static Map<String, AttributeValue> clusterKey(String clusterName) {
        return key(TableSchema.clusterPk(clusterName), TableSchema.CLUSTER_SK);
    }

    static Map<String, AttributeValue> tokenKey(String clusterName, String token) {
        return key(TableSchema.clusterPk(clusterName), TableSchema.tokenSk(token));
    }

    static Map<String, AttributeValue> podDeletionKey(String clusterName, String podUid) {
        return key(TableSchema.clusterPk(clusterName), TableSchema.podSk(podUid));
    }

    /** The tombstone; DynamoDB's TTL removes it at {@code expiresAt} (epoch seconds). */
    static Map<String, AttributeValue> podDeletionItem(PodDeletion d) {
        Map<String, AttributeValue> item = new HashMap<>(podDeletionKey(d.clusterName(), d.podUid()));
        item.put(CLUSTER_NAME, s(d.clusterName()));
        item.put(POD_UID, s(d.podUid()));
        item.put(NAMESPACE, s(d.namespace()));
        item.put(POD_NAME, s(d.podName()));
        item.put(DELETED_AT, instant(d.deletedAt()));
        item.put(TableSchema.TTL_ATTRIBUTE, n(d.expiresAt().getEpochSecond()));
        return item;
    }

    static PodDeletion podDeletion(Map<String, AttributeValue> item) {
        return new PodDeletion(string(item, CLUSTER_NAME), string(item, POD_UID), string(item, NAMESPACE),
                string(item, POD_NAME), instant(item, DELETED_AT),
                Instant.ofEpochSecond(number(item, TableSchema.TTL_ATTRIBUTE)));
    }

    static Map<String, AttributeValue> associationItem(Association a) {
        Map<String, AttributeValue> item = new HashMap<>(associationKey(a.clusterName(), a.associationId()));
        item.put(CLUSTER_NAME, s(a.clusterName()));
        item.put(NAMESPACE, s(a.namespace()));
        item.put(SERVICE_ACCOUNT, s(a.serviceAccount()));
        item.put(ROLE_ARN, s(a.roleArn()));
        item.put(ASSOCIATION_ARN, s(a.associationArn()));
        item.put(ASSOCIATION_ID, s(a.associationId()));
        item.put(TAGS, Attributes.stringMap(a.tags()));
        item.put(CREATED_AT, instant(a.createdAt()));
        item.put(MODIFIED_AT, instant(a.modifiedAt()));
        putIfPresent(item, OWNER_ARN, a.ownerArn());
        item.put(DISABLE_SESSION_TAGS, AttributeValue.fromBool(a.disableSessionTags()));
        putIfPresent(item, TARGET_ROLE_ARN, a.targetRoleArn());
        putIfPresent(item, EXTERNAL_ID, a.externalId());
        putIfPresent(item, POLICY, a.policy());
        item.put(VERSION, n(a.version()));
        putSession(item, a);
        return item;
    }

    static Association association(Map<String, AttributeValue> item) {
        return new Association(
                string(item, CLUSTER_NAME), string(item, NAMESPACE), string(item, SERVICE_ACCOUNT),
                string(item, ROLE_ARN), string(item, ASSOCIATION_ARN), string(item, ASSOCIATION_ID),
                stringMap(item, TAGS), instant(item, CREATED_AT), instant(item, MODIFIED_AT),
                string(item, OWNER_ARN), bool(item, DISABLE_SESSION_TAGS), string(item, TARGET_ROLE_ARN),
                string(item, EXTERNAL_ID), string(item, POLICY), number(item, VERSION),
                stringMap(item, SESSION_TAGS), sessionNamePolicy(item));
    }

    /** Items written before sessionTags existed have neither attribute: no tags, unique names. */
    private static void putSession(Map<String, AttributeValue> item, Association a) {
        if (!a.sessionTags().isEmpty()) {
            item.put(SESSION_TAGS, Attributes.stringMap(a.sessionTags()));
        }
        if (a.sessionNamePolicy() != SessionNamePolicy.UNIQUE) {
            item.put(SESSION_NAME_POLICY, s(a.sessionNamePolicy().name()));
        }
    }

    private static SessionNamePolicy sessionNamePolicy(Map<String, AttributeValue> item) {
        String stored = string(item, SESSION_NAME_POLICY);
        return stored == null ? SessionNamePolicy.UNIQUE : SessionNamePolicy.valueOf(stored);
    }

    /** The subject binding holds the summary (for List) and what AssumeRoleForPodIdentity needs. */
    static Map<String, AttributeValue> bindingItem(Association a) {
        Map<String, AttributeValue> item = new HashMap<>(bindingKey(a.clusterName(), a.namespace(), a.serviceAccount()));
        item.put(CLUSTER_NAME, s(a.clusterName()));
        item.put(NAMESPACE, s(a.namespace()));
        item.put(SERVICE_ACCOUNT, s(a.serviceAccount()));
        item.put(ASSOCIATION_ID, s(a.associationId()));
        item.put(ASSOCIATION_ARN, s(a.associationArn()));
        item.put(ROLE_ARN, s(a.roleArn()));
        putIfPresent(item, OWNER_ARN, a.ownerArn());
        item.put(DISABLE_SESSION_TAGS, AttributeValue.fromBool(a.disableSessionTags()));
        putIfPresent(item, TARGET_ROLE_ARN, a.targetRoleArn());
        putIfPresent(item, EXTERNAL_ID, a.externalId());
        putIfPresent(item, POLICY, a.policy());
        putSession(item, a);
        return item;
    }

    static AssociationSummary summary(Map<String, AttributeValue> item) {
        return new AssociationSummary(string(item, CLUSTER_NAME), string(item, NAMESPACE), string(item, SERVICE_ACCOUNT),
                string(item, ASSOCIATION_ARN), string(item, ASSOCIATION_ID), string(item, OWNER_ARN));
    }

    static SubjectBinding binding(Map<String, AttributeValue> item) {
        return new SubjectBinding(string(item, CLUSTER_NAME), string(item, NAMESPACE), string(item, SERVICE_ACCOUNT),
                string(item, ASSOCIATION_ID), string(item, ASSOCIATION_ARN), string(item, ROLE_ARN),
                string(item, TARGET_ROLE_ARN), string(item, EXTERNAL_ID), bool(item, DISABLE_SESSION_TAGS),
                string(item, POLICY), stringMap(item, SESSION_TAGS), sessionNamePolicy(item));
    }

    static Map<String, AttributeValue> clusterItem(Cluster c) {
        Map<String, AttributeValue> item = new HashMap<>(clusterKey(c.name()));
        item.put(TableSchema.CLUSTERS_INDEX_PK, s(TableSchema.CLUSTERS_INDEX_KEY));
        item.put(TableSchema.CLUSTERS_INDEX_SK, s(c.name()));
        item.put(CLUSTER_NAME, s(c.name()));
        item.put(ARN, s(c.arn()));
        item.put(ISSUER, s(c.issuer()));
        item.put(JWKS, s(c.jwksJson()));
        item.put(TAGS, Attributes.stringMap(c.tags()));
        item.put(CREATED_AT, instant(c.createdAt()));
        item.put(MODIFIED_AT, instant(c.modifiedAt()));
        item.put(ASSOCIATION_COUNT, n(c.associationCount()));
        item.put(VERSION, n(c.version()));
        item.put(POD_TOKEN_LIFETIME, n(c.podTokenLifetimeSeconds()));
        putIfPresent(item, WEBHOOK_KEY_HASH, c.webhookKeyHash());
        putIfPresent(item, IP_FAMILY, c.ipFamily() == null ? null : c.ipFamily().wireName());
        putIfPresent(item, REGION, c.region());
        if (c.podTokenLifetimeEffectiveAt() != null) {
            item.put(PREVIOUS_POD_TOKEN_LIFETIME, n(c.previousPodTokenLifetimeSeconds()));
            item.put(POD_TOKEN_LIFETIME_EFFECTIVE_AT, instant(c.podTokenLifetimeEffectiveAt()));
        }
        if (c.webhookSyncServiceAccount() != null) {
            item.put(WEBHOOK_SYNC_SERVICE_ACCOUNT, s(WebhookSync.format(c.webhookSyncServiceAccount())));
        }
        return item;
    }

    /**
     * The SET and REMOVE clauses (starting with ", " or " REMOVE") that store a re-registered cluster's webhook
     * settings, sync service account and pending lifetime change; adds their values to {@code values}.
     */
    static String clusterSettingsUpdate(Cluster c, Map<String, AttributeValue> values) {
        StringBuilder set = new StringBuilder();
        java.util.List<String> remove = new java.util.ArrayList<>();
        if (c.ipFamily() != null) {
            values.put(":ipFamily", s(c.ipFamily().wireName()));
            set.append(", ").append(IP_FAMILY).append(" = :ipFamily");
        }
        if (c.region() != null) {
            values.put(":region", s(c.region()));
            set.append(", ").append(REGION).append(" = :region");
        }
        if (c.webhookSyncServiceAccount() != null) {
            values.put(":syncAccount", s(WebhookSync.format(c.webhookSyncServiceAccount())));
            set.append(", ").append(WEBHOOK_SYNC_SERVICE_ACCOUNT).append(" = :syncAccount");
        }
        if (c.podTokenLifetimeEffectiveAt() != null) {
            values.put(":previousLifetime", n(c.previousPodTokenLifetimeSeconds()));
            values.put(":lifetimeEffectiveAt", instant(c.podTokenLifetimeEffectiveAt()));
            set.append(", ").append(PREVIOUS_POD_TOKEN_LIFETIME).append(" = :previousLifetime, ")
                    .append(POD_TOKEN_LIFETIME_EFFECTIVE_AT).append(" = :lifetimeEffectiveAt");
        } else {
            remove.add(PREVIOUS_POD_TOKEN_LIFETIME);
            remove.add(POD_TOKEN_LIFETIME_EFFECTIVE_AT);
        }
        return set + (remove.isEmpty() ? "" : " REMOVE " + String.join(", ", remove));
    }

    static Cluster cluster(Map<String, AttributeValue> item) {
        return new Cluster(string(item, CLUSTER_NAME), string(item, ARN), string(item, ISSUER), string(item, JWKS),
                stringMap(item, TAGS), instant(item, CREATED_AT), instant(item, MODIFIED_AT),
                (int) number(item, ASSOCIATION_COUNT), number(item, VERSION),
                item.containsKey(POD_TOKEN_LIFETIME) ? (int) number(item, POD_TOKEN_LIFETIME)
                        : dev.podidentity.domain.PodTokenLifetime.DEFAULT_SECONDS,
                string(item, WEBHOOK_KEY_HASH),
                item.containsKey(IP_FAMILY) ? dev.podidentity.domain.IpFamily.parse(string(item, IP_FAMILY)) : null,
                string(item, REGION),
                item.containsKey(PREVIOUS_POD_TOKEN_LIFETIME) ? (int) number(item, PREVIOUS_POD_TOKEN_LIFETIME) : 0,
                item.containsKey(POD_TOKEN_LIFETIME_EFFECTIVE_AT) ? instant(item, POD_TOKEN_LIFETIME_EFFECTIVE_AT) : null,
                WebhookSync.parse(string(item, WEBHOOK_SYNC_SERVICE_ACCOUNT)));
    }
}
