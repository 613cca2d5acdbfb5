package dev.podidentity.service.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podidentity.domain.ErrorCode;
import dev.podidentity.domain.ServiceException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The patch builder, table-driven: pod in (single quotes for readability), exact operations out. */
class PodPatchTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String URI = "{'name':'AWS_CONTAINER_CREDENTIALS_FULL_URI','value':'http://169.254.170.23/v1/credentials'}";
    static final String FILE = "{'name':'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',"
            + "'value':'/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token'}";
    static final String MOUNT = "{'name':'eks-pod-identity-token','mountPath':'/var/run/secrets/pods.eks.amazonaws.com/serviceaccount','readOnly':true}";
    static final String VOLUME = "{'name':'eks-pod-identity-token','projected':{'sources':[{'serviceAccountToken':"
            + "{'audience':'pods.eks.amazonaws.com','expirationSeconds':3600,'path':'eks-pod-identity-token'}}]}}";

    /**
     * What {@code build} adds. A pod with its own {@code eks-pod-identity-token} volume or a mount where the token goes
     * is a conflict ({@link #conflicts()}): AdmissionService sends it no patch at all, so {@code build} is not asked.
     */
    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("bare pod: arrays added whole",
                        "{'spec':{'containers':[{'name':'app'}]}}",
                        "[{'op':'add','path':'/spec/containers/0/env','value':[" + URI + "," + FILE + "]},"
                                + "{'op':'add','path':'/spec/containers/0/volumeMounts','value':[" + MOUNT + "]},"
                                + "{'op':'add','path':'/spec/volumes','value':[" + VOLUME + "]}]"),
                Arguments.of("present arrays: appended",
                        "{'spec':{'containers':[{'name':'app','env':[{'name':'A','value':'1'}],"
                                + "'volumeMounts':[{'name':'data','mountPath':'/data'}]}],'volumes':[{'name':'data','emptyDir':{}}]}}",
                        "[{'op':'add','path':'/spec/containers/0/env/-','value':" + URI + "},"
                                + "{'op':'add','path':'/spec/containers/0/env/-','value':" + FILE + "},"
                                + "{'op':'add','path':'/spec/containers/0/volumeMounts/-','value':" + MOUNT + "},"
                                + "{'op':'add','path':'/spec/volumes/-','value':" + VOLUME + "}]"),
                Arguments.of("JSON null arrays count as absent",
                        "{'spec':{'containers':[{'name':'app','env':null,'volumeMounts':null}],'volumes':null}}",
                        "[{'op':'add','path':'/spec/containers/0/env','value':[" + URI + "," + FILE + "]},"
                                + "{'op':'add','path':'/spec/containers/0/volumeMounts','value':[" + MOUNT + "]},"
                                + "{'op':'add','path':'/spec/volumes','value':[" + VOLUME + "]}]"),
                Arguments.of("a container that sets either variable gets neither",
                        "{'spec':{'containers':[{'name':'a','env':[{'name':'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE','value':'/x'}],"
                                + "'volumeMounts':[]}],'volumes':[]}}",
                        "[{'op':'add','path':'/spec/containers/0/volumeMounts/-','value':" + MOUNT + "},"
                                + "{'op':'add','path':'/spec/volumes/-','value':" + VOLUME + "}]"),
                Arguments.of("a container's own credentials URI is never overridden nor paired with our token",
                        "{'spec':{'containers':[{'name':'a','env':[{'name':'AWS_CONTAINER_CREDENTIALS_FULL_URI',"
                                + "'value':'http://127.0.0.1:8080/creds'}],'volumeMounts':[]}],'volumes':[]}}",
                        "[{'op':'add','path':'/spec/containers/0/volumeMounts/-','value':" + MOUNT + "},"
                                + "{'op':'add','path':'/spec/volumes/-','value':" + VOLUME + "}]"),
                Arguments.of("a mount of that name at another path is kept, and ours is added where the variable points",
                        "{'spec':{'containers':[{'name':'a','env':[],'volumeMounts':[{'name':'eks-pod-identity-token',"
                                + "'mountPath':'/elsewhere'}]}],'volumes':[]}}",
                        "[{'op':'add','path':'/spec/containers/0/env/-','value':" + URI + "},"
                                + "{'op':'add','path':'/spec/containers/0/env/-','value':" + FILE + "},"
                                + "{'op':'add','path':'/spec/containers/0/volumeMounts/-','value':" + MOUNT + "},"
                                + "{'op':'add','path':'/spec/volumes/-','value':" + VOLUME + "}]"),
                Arguments.of("init containers and every container",
                        "{'spec':{'initContainers':[{'name':'i','env':[]}],'containers':[{'name':'a'},{'name':'b','volumeMounts':[]}],"
                                + "'volumes':[]}}",
                        "[{'op':'add','path':'/spec/initContainers/0/env/-','value':" + URI + "},"
                                + "{'op':'add','path':'/spec/initContainers/0/env/-','value':" + FILE + "},"
                                + "{'op':'add','path':'/spec/initContainers/0/volumeMounts','value':[" + MOUNT + "]},"
                                + "{'op':'add','path':'/spec/containers/0/env','value':[" + URI + "," + FILE + "]},"
                                + "{'op':'add','path':'/spec/containers/0/volumeMounts','value':[" + MOUNT + "]},"
                                + "{'op':'add','path':'/spec/containers/1/env','value':[" + URI + "," + FILE + "]},"
                                + "{'op':'add','path':'/spec/containers/1/volumeMounts/-','value':" + MOUNT + "},"
                                + "{'op':'add','path':'/spec/volumes/-','value':" + VOLUME + "}]"),
                Arguments.of("env entries and mounts without a name are kept, and do not count as ours",
                        "{'spec':{'containers':[{'name':'a','env':[{'value':'x'},{'name':7}],'volumeMounts':[{'readOnly':true}]}],"
                                + "'volumes':[{}]}}",
                        "[{'op':'add','path':'/spec/containers/0/env/-','value':" + URI + "},"
                                + "{'op':'add','path':'/spec/containers/0/env/-','value':" + FILE + "},"
                                + "{'op':'add','path':'/spec/containers/0/volumeMounts/-','value':" + MOUNT + "},"
                                + "{'op':'add','path':'/spec/volumes/-','value':" + VOLUME + "}]"),
                Arguments.of("an already patched pod: nothing",
                        "{'spec':{'containers':[{'name':'a','env':[" + URI + "," + FILE + "],'volumeMounts':[" + MOUNT + "]}],"
                                + "'volumes':[" + VOLUME + "]}}",
                        "[]"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void patch(String name, String pod, String expected) throws Exception {
        assertThat(PodPatch.build(json(pod), 3600)).isEqualTo(json(expected));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedPods_areInvalidRequests_sayingWhere(String pod, String where) {
        assertThatThrownBy(() -> PodPatch.build(json(pod), 3600)).isInstanceOf(ServiceException.class)
                .satisfies(e -> assertThat(((ServiceException) e).code()).isEqualTo(ErrorCode.INVALID_REQUEST))
                .hasMessageContaining(where);
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("{}", "request.object.spec"),
                Arguments.of("{'spec':'x'}", "request.object.spec must be an object"),
                Arguments.of("{'spec':{}}", "request.object.spec.containers"),
                Arguments.of("{'spec':{'containers':{}}}", "request.object.spec.containers"),
                Arguments.of("{'spec':{'containers':['x']}}", "request.object.spec.containers[0]"),
                Arguments.of("{'spec':{'containers':[{'env':'x'}]}}", "request.object.spec.containers[0].env"),
                Arguments.of("{'spec':{'containers':[{'volumeMounts':1}]}}", "request.object.spec.containers[0].volumeMounts"),
                Arguments.of("{'spec':{'containers':[{}],'volumes':{}}}", "request.object.spec.volumes"));
    }

    @ParameterizedTest(name = "expirationSeconds {0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {600, 3600, 86400})
    void theVolume_requestsTheClustersLifetime(int seconds) throws Exception {
        JsonNode ops = PodPatch.build(json("{'spec':{'containers':[{'name':'a'}]}}"), seconds);
        assertThat(ops.get(2).at("/value/0/projected/sources/0/serviceAccountToken/expirationSeconds").asInt()).isEqualTo(seconds);
    }

    @org.junit.jupiter.api.Test
    void ipv6AndRegion_areInjected_whereAContainerSetsNoRegion() throws Exception {
        PodPatch.Target target = new PodPatch.Target(3600, dev.podidentity.domain.IpFamily.IPV6.credentialsUri(), "eu-west-1");
        JsonNode ops = PodPatch.build(json("{'spec':{'initContainers':[{'name':'i','env':[{'name':'AWS_REGION','value':'us-west-2'}]}],"
                + "'containers':[{'name':'a'},{'name':'b','envFrom':[{'configMapRef':{'name':'c'}}]},"
                + "{'name':'c','env':[{'name':'AWS_DEFAULT_REGION','value':'x'}]}]}}"), target);
        String v6 = "{'name':'AWS_CONTAINER_CREDENTIALS_FULL_URI','value':'http://[fd00:ec2::23]/v1/credentials'}";
        String region = "{'name':'AWS_REGION','value':'eu-west-1'},{'name':'AWS_DEFAULT_REGION','value':'eu-west-1'}";
        assertThat(ops.get(0)).isEqualTo(json("{'op':'add','path':'/spec/initContainers/0/env/-','value':" + v6 + "}"));
        assertThat(ops.get(1)).isEqualTo(json("{'op':'add','path':'/spec/initContainers/0/env/-','value':" + FILE + "}"));
        assertThat(ops.get(3)).as("no region set: both added").isEqualTo(
                json("{'op':'add','path':'/spec/containers/0/env','value':[" + v6 + "," + FILE + "," + region + "]}"));
        assertThat(ops.get(5)).as("envFrom may set a region: none added").isEqualTo(
                json("{'op':'add','path':'/spec/containers/1/env','value':[" + v6 + "," + FILE + "]}"));
        assertThat(ops.get(7).path("path").asText()).isEqualTo("/spec/containers/2/env/-");
        assertThat(ops.toString().split("\"AWS_REGION\"", -1)).as("only container a gets a region").hasSize(2);
    }

    static Stream<Arguments> conflicts() {
        return Stream.of(
                Arguments.of("own volume of the token's name", "{'spec':{'containers':[{'name':'a'}],"
                        + "'volumes':[{'name':'eks-pod-identity-token','emptyDir':{}}]}}",
                        java.util.List.of("volume eks-pod-identity-token is the pod's own")),
                Arguments.of("own projected volume of the token's name, for another audience", "{'spec':{'containers':[{'name':'a'}],"
                        + "'volumes':[{'name':'eks-pod-identity-token','projected':{'sources':[{'serviceAccountToken':"
                        + "{'audience':'vault','path':'eks-pod-identity-token'}}]}}]}}",
                        java.util.List.of("volume eks-pod-identity-token is the pod's own")),
                Arguments.of("another volume at the token's directory", "{'spec':{'containers':[{'name':'a','volumeMounts':"
                        + "[{'name':'mine','mountPath':'/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/'}]}]}}",
                        java.util.List.of("container a mounts mine at /var/run/secrets/pods.eks.amazonaws.com/serviceaccount")),
                Arguments.of("a file mounted at the token's path", "{'spec':{'initContainers':[{'name':'i','volumeMounts':"
                        + "[{'name':'f','mountPath':'/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token'}]}],"
                        + "'containers':[{'name':'a'}]}}",
                        java.util.List.of("container i mounts f at /var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token")),
                Arguments.of("an already patched pod is no conflict", "{'spec':{'containers':[{'name':'a','env':[" + URI + ","
                        + FILE + "],'volumeMounts':[" + MOUNT + "]}],'volumes':[" + VOLUME + "]}}", java.util.List.of()),
                Arguments.of("other mounts and volumes are none", "{'spec':{'containers':[{'name':'a','volumeMounts':"
                        + "[{'name':'d','mountPath':'/var/run/secrets/pods.eks.amazonaws.com'}]}],'volumes':[{'name':'d','emptyDir':{}}]}}",
                        java.util.List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("conflicts")
    void conflicts_nameWhatStandsWhereTheTokenGoes(String name, String pod, java.util.List<String> expected) throws Exception {
        assertThat(PodPatch.conflicts(json(pod))).containsExactlyElementsOf(expected);
    }

    static JsonNode json(String singleQuoted) throws Exception {
        return JSON.readTree(singleQuoted.replace('\'', '"'));
    }
}
