package dev.podidentity.cdk;

import java.nio.file.Path;
import java.util.List;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.logs.RetentionDays;

/**
 * The stack's settings, with defaults a sandbox deployment can use as they are.
 *
 * @param functionsPackage       the Lambda deployment package built by the reactor (functions/target/...zip)
 * @param brokerPackage          the credential broker's leaner package (the same without the IAM client)
 * @param memoryMb               memory of every function (CPU grows with it; 1024 keeps cold starts short)
 * @param timeout                function timeout
 * @param assumeRoleIamAuth      put AWS_IAM on AssumeRoleForPodIdentity too (the stock agent signs for eks-auth,
 *                               so only clients that sign for execute-api can then call it)
 * @param allowedSourceCidrs     when not empty, the routes clusters call (AssumeRoleForPodIdentity, AdmitPod) only
 *                               answer these source ranges (the nodes' and the API servers' egress addresses)
 * @param assumableRoleArns      the roles the credential broker may assume (e.g. arn:aws:iam::123456789012:role/pods/*)
 * @param logRetention           retention of function and access logs
 * @param throttleRate           steady-state requests per second of each method (AdmitPod: a fifth)
 * @param throttleBurst          burst of each method (AdmitPod: a fifth)
 * @param logLevel               POWERTOOLS_LOG_LEVEL
 * @param snapStart              SnapStart on published versions (aliases point at them)
 * @param assumeRoleP99AlarmMs   alarm when AssumeRoleForPodIdentity's p99 duration exceeds this
 * @param provisionedConcurrency environments kept initialized for AssumeRoleForPodIdentity's alias (0: none; billed
 *                               whether used or not)
 */
public record PodIdentityStackProps(
        Path functionsPackage,
        Path brokerPackage,
        int memoryMb,
        Duration timeout,
        boolean assumeRoleIamAuth,
        List<String> allowedSourceCidrs,
        List<String> assumableRoleArns,
        RetentionDays logRetention,
        double throttleRate,
        int throttleBurst,
        String logLevel,
        boolean snapStart,
        int assumeRoleP99AlarmMs,
        int provisionedConcurrency) {

    public static PodIdentityStackProps defaults(Path functionsPackage, Path brokerPackage) {
        return new PodIdentityStackProps(functionsPackage, brokerPackage, 1024, Duration.seconds(10), false, List.of(), List.of(),
                RetentionDays.ONE_MONTH, 500, 1000, "INFO", true, 500, 0);
    }

    public PodIdentityStackProps withAssumeRoleIamAuth(boolean value) {
        return new PodIdentityStackProps(functionsPackage, brokerPackage, memoryMb, timeout, value, allowedSourceCidrs,
                assumableRoleArns, logRetention, throttleRate, throttleBurst, logLevel, snapStart, assumeRoleP99AlarmMs, provisionedConcurrency);
    }

    public PodIdentityStackProps withAllowedSourceCidrs(List<String> value) {
        return new PodIdentityStackProps(functionsPackage, brokerPackage, memoryMb, timeout, assumeRoleIamAuth, List.copyOf(value),
                assumableRoleArns, logRetention, throttleRate, throttleBurst, logLevel, snapStart, assumeRoleP99AlarmMs, provisionedConcurrency);
    }

    public PodIdentityStackProps withAssumableRoleArns(List<String> value) {
        return new PodIdentityStackProps(functionsPackage, brokerPackage, memoryMb, timeout, assumeRoleIamAuth, allowedSourceCidrs,
                List.copyOf(value), logRetention, throttleRate, throttleBurst, logLevel, snapStart, assumeRoleP99AlarmMs, provisionedConcurrency);
    }

    public PodIdentityStackProps withProvisionedConcurrency(int value) {
        return new PodIdentityStackProps(functionsPackage, brokerPackage, memoryMb, timeout, assumeRoleIamAuth,
                allowedSourceCidrs, assumableRoleArns, logRetention, throttleRate, throttleBurst, logLevel, snapStart,
                assumeRoleP99AlarmMs, value);
    }

    public PodIdentityStackProps withMemoryMb(int value) {
        return new PodIdentityStackProps(functionsPackage, brokerPackage, value, timeout, assumeRoleIamAuth, allowedSourceCidrs,
                assumableRoleArns, logRetention, throttleRate, throttleBurst, logLevel, snapStart, assumeRoleP99AlarmMs, provisionedConcurrency);
    }
}
