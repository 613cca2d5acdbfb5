package dev.podidentity.domain;

import java.util.regex.Pattern;

/**
 * A Kubernetes service account: namespace (a DNS-1123 label) and name (a DNS-1123 subdomain),
 * the subject of an association.
 */
public record Subject(String namespace, String serviceAccount) {
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    public Subject {
        validateNamespace(namespace);
        validateServiceAccount(serviceAccount);
    }

    public static String validateNamespace(String namespace) {
        if (namespace == null || namespace.isEmpty()) {
            throw ServiceException.invalidParameter("namespace is required");
        }
        if (namespace.length() > 63 || !LABEL.matcher(namespace).matches()) {
            throw ServiceException.invalidParameter("namespace '" + Text.printable(namespace)
                    + "' is not a valid Kubernetes namespace: use at most 63 lowercase letters, digits and '-',"
                    + " starting and ending with a letter or digit (DNS-1123 label)");
        }
        return namespace;
    }

    public static String validateServiceAccount(String serviceAccount) {
        if (serviceAccount == null || serviceAccount.isEmpty()) {
            throw ServiceException.invalidParameter("serviceAccount is required");
        }
        if (serviceAccount.length() > 253 || !SUBDOMAIN.matcher(serviceAccount).matches()) {
            throw ServiceException.invalidParameter("serviceAccount '" + Text.printable(serviceAccount)
                    + "' is not a valid Kubernetes service account name: use at most 253 lowercase letters,"
                    + " digits, '-' and '.', each dot-separated part starting and ending with a letter or digit"
                    + " (DNS-1123 subdomain)");
        }
        return serviceAccount;
    }

    /** The {@code sub} claim Kubernetes puts in this service account's tokens. */
    public String tokenSubject() {
        return "system:serviceaccount:" + namespace + ":" + serviceAccount;
    }
}
