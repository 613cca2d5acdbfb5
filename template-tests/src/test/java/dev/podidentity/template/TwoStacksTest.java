package dev.podidentity.template;

import static dev.podidentity.template.Synth.props;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A second stack ({@code -c stackName=...}) in the same account and region shares no physical name with the first. */
class TwoStacksTest {
    /** Properties that name a resource in the account and region. */
    static final List<String> NAME_PROPERTIES = List.of("FunctionName", "LogGroupName", "TableName", "RoleName", "Name",
            "AlarmName", "SecretName", "IndexName", "AliasName", "StageName");
    /** Names that are scoped to their parent resource (an index in its table, an alias in its function, a stage). */
    static final Set<String> SCOPED = Set.of("IndexName", "AliasName", "StageName");
    /** Resources whose Name is scoped to a parent (a Lambda alias such as "live" is per function). */
    static final Set<String> SCOPED_TYPES = Set.of("AWS::Lambda::Alias");

    @Test
    void twoStacks_shareNoPhysicalName() {
        Synth first = StackTemplateTest.synth != null ? StackTemplateTest.synth : new Synth(p -> p);
        Synth second = new Synth("PodIdentityStaging", p -> p);
        List<String> firstNames = physicalNames(first);
        List<String> secondNames = physicalNames(second);
        assertThat(firstNames).as("the first stack names its functions, log groups and API")
                .anyMatch(n -> n.startsWith("FunctionName=PodIdentity-"))
                .anyMatch(n -> n.startsWith("LogGroupName=/aws/lambda/PodIdentity-"));
        assertThat(secondNames).anyMatch(n -> n.startsWith("FunctionName=PodIdentityStaging-"));
        Set<String> shared = new HashSet<>(firstNames);
        shared.retainAll(new HashSet<>(secondNames));
        assertThat(shared).as("physical names in both templates").isEmpty();
        assertThat(new HashSet<>(firstNames)).as("no name twice in one template").hasSize(firstNames.size());
    }

    /** Every literal name property of every resource, as "Property=value" (names CloudFormation generates are absent). */
    static List<String> physicalNames(Synth synth) {
        List<String> names = new ArrayList<>();
        for (Map<String, Object> resource : synth.resources().values()) {
            Map<String, Object> props = props(resource);
            if (props == null || SCOPED_TYPES.contains(resource.get("Type"))) {
                continue;
            }
            for (String property : NAME_PROPERTIES) {
                if (!SCOPED.contains(property) && props.get(property) instanceof String name) {
                    names.add(property + "=" + name);
                }
            }
        }
        return names;
    }
}
