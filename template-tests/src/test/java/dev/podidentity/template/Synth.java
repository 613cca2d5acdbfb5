package dev.podidentity.template;

import dev.podidentity.cdk.PodIdentityApp;
import dev.podidentity.cdk.PodIdentityStack;
import dev.podidentity.cdk.PodIdentityStackProps;
import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.assertions.Template;

/** Synthesizes the stack (with cdk-nag) and offers the template as plain maps. */
final class Synth {
    final PodIdentityStack stack;
    final Template template;
    final Map<String, Object> json;

    Synth(UnaryOperator<PodIdentityStackProps> customize) {
        this("PodIdentity", customize);
    }

    Synth(String stackName, UnaryOperator<PodIdentityStackProps> customize) {
        App app = new App();
        stack = new PodIdentityStack(app, stackName, StackProps.builder()
                .env(Environment.builder().account("123456789012").region("eu-west-1").build()).build(),
                customize.apply(PodIdentityStackProps.defaults(PodIdentityApp.functionsPackage(),
                        PodIdentityApp.brokerPackage())));
        Aspects.of(app).add(new AwsSolutionsChecks());
        app.synth();
        template = Template.fromStack(stack);
        json = template.toJSON();
    }

    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> resources() {
        return (Map<String, Map<String, Object>>) (Map<String, ?>) json.get("Resources");
    }

    List<Map.Entry<String, Map<String, Object>>> ofType(String type) {
        List<Map.Entry<String, Map<String, Object>>> out = new ArrayList<>();
        resources().entrySet().forEach(e -> {
            if (type.equals(e.getValue().get("Type"))) {
                out.add(e);
            }
        });
        return out;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> props(Map<String, Object> resource) {
        return (Map<String, Object>) resource.get("Properties");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object o) {
        return o instanceof List<?> l ? (List<Object>) l : o == null ? List.of() : List.of(o);
    }
}
