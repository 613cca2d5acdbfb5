package dev.podidentity.adapter.dynamodb;

/**
 * The single table's key layout, in one place: used by the store, by the local stack that creates the table
 * and by the CDK stack that declares it.
 */
public final class TableSchema {
    public static final String PK = "pk";
    public static final String SK = "sk";
    /** Sparse index over cluster items only, for ListClusters. */
    public static final String CLUSTERS_INDEX = "clusters";
    public static final String CLUSTERS_INDEX_PK = "gsi1pk";
    public static final String CLUSTERS_INDEX_SK = "gsi1sk";
    /** Epoch seconds after which DynamoDB's TTL may delete the item (request tokens and pod tombstones). */
    public static final String TTL_ATTRIBUTE = "expiresAt";

    static final String CLUSTER_PREFIX = "CLUSTER#";
    static final String CLUSTER_SK = "CLUSTER";
    static final String CLUSTERS_INDEX_KEY = "CLUSTER";
    static final String ASSOCIATION_PREFIX = "ASSOCIATION#";
    static final String SUBJECT_PREFIX = "SUBJECT#";
    static final String TOKEN_PREFIX = "TOKEN#";
    static final String POD_PREFIX = "POD#";

    private TableSchema() {
    }

    static String clusterPk(String clusterName) {
        return CLUSTER_PREFIX + clusterName;
    }

    static String associationSk(String associationId) {
        return ASSOCIATION_PREFIX + associationId;
    }

    static String subjectSk(String namespace, String serviceAccount) {
        return SUBJECT_PREFIX + namespace + "#" + serviceAccount;
    }

    static String subjectPrefix(String namespace) {
        return namespace == null ? SUBJECT_PREFIX : SUBJECT_PREFIX + namespace + "#";
    }

    static String tokenSk(String token) {
        return TOKEN_PREFIX + token;
    }

    /** A deleted pod's tombstone, by the pod's UID, in its cluster's partition. */
    static String podSk(String podUid) {
        return POD_PREFIX + podUid;
    }
}
