package dev.podidentity.constructs;

import software.amazon.awscdk.Fn;

/**
 * What a pod identity stack exports for other stacks: its custom resource service token and its credential broker's
 * role ARN, under {@code STACK-ServiceToken} and {@code STACK-CredentialBrokerRoleArn}.
 */
public record PodIdentityService(String serviceToken, String brokerRoleArn) {

    /** The exports of the pod identity stack named {@code stackName} (same account and region). */
    public static PodIdentityService imported(String stackName) {
        return new PodIdentityService(Fn.importValue(stackName + "-ServiceToken"),
                Fn.importValue(stackName + "-CredentialBrokerRoleArn"));
    }
}
