package dev.podidentity.domain;

/** What a verified projected service-account token says about the pod that presented it. */
public record PodClaims(
        String namespace,
        String serviceAccount,
        String podName,
        String podUid,
        String audience) {
}
