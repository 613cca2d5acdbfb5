package dev.podidentity.constructs;

/** How the STS session of the association's credentials is named (the service's {@code sessionNamePolicy}). */
public enum SessionNamePolicy {
    /** A new name for every credential request, as EKS does (the default). */
    UNIQUE,
    /** The same name on every renewal for the life of a pod (for services such as MSK with IAM auth). */
    POD,
    /** One name for every pod of the service account. */
    SERVICE_ACCOUNT
}
