package dev.podidentity.cdk;

import dev.podidentity.api.FunctionPackage;
import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import software.amazon.awscdk.App;
import java.util.Objects;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.StackProps;

/**
 * The CDK app. Context (cdk deploy -c key=value): {@code assumeRoleIamAuth=true}, {@code allowedSourceCidrs=a,b},
 * {@code assumableRoleArns=arn1,arn2}, {@code memoryMb=N}, {@code provisionedConcurrency=N}, {@code stackName=...}.
 */
public final class PodIdentityApp {
    private PodIdentityApp() {
    }

    public static void main(String[] args) {
        App app = new App();
        PodIdentityStackProps props = PodIdentityStackProps.defaults(functionsPackage(), brokerPackage());
        Object iamAuth = app.getNode().tryGetContext("assumeRoleIamAuth");
        if (iamAuth != null) {
            props = props.withAssumeRoleIamAuth(Boolean.parseBoolean(iamAuth.toString()));
        }
        props = props.withAllowedSourceCidrs(list(app.getNode().tryGetContext("allowedSourceCidrs")));
        props = props.withAssumableRoleArns(list(app.getNode().tryGetContext("assumableRoleArns")));
        Object memory = app.getNode().tryGetContext("memoryMb");
        if (memory != null) {
            props = props.withMemoryMb(Integer.parseInt(memory.toString()));
        }
        Object provisioned = app.getNode().tryGetContext("provisionedConcurrency");
        if (provisioned != null) {
            props = props.withProvisionedConcurrency(Integer.parseInt(provisioned.toString()));
        }
        Object name = app.getNode().tryGetContext("stackName");
        new PodIdentityStack(app, Objects.toString(name, "PodIdentity"), StackProps.builder()
                .env(Environment.builder()
                        .account(System.getenv("CDK_DEFAULT_ACCOUNT"))
                        .region(System.getenv("CDK_DEFAULT_REGION"))
                        .build())
                .description("Pod Identity control plane for any Kubernetes cluster")
                .build(), props);
        Aspects.of(app).add(new AwsSolutionsChecks());
        app.synth();
    }

    private static List<String> list(Object value) {
        if (value == null || value.toString().isBlank()) {
            return List.of();
        }
        return Arrays.stream(value.toString().split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /**
     * The Lambda deployment package the reactor builds, in {@code POD_IDENTITY_PACKAGES_DIR} or
     * {@code functions/target/} found from the working directory upwards.
     */
    public static Path functionsPackage() {
        return built(FunctionPackage.ADMIN.fileName());
    }

    /** The credential broker's package (without the IAM client), built beside the functions package. */
    public static Path brokerPackage() {
        return built(FunctionPackage.BROKER.fileName());
    }

    private static Path built(String file) {
        String configured = System.getenv("POD_IDENTITY_PACKAGES_DIR");
        if (configured != null) {
            return Path.of(configured, file).toAbsolutePath();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("functions/target/" + file);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("functions/target/" + file + " is missing: build it first with"
                + " 'mvn -pl functions package' (cdk/app.sh does)");
    }
}
