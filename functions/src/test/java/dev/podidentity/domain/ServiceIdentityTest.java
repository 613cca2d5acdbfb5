package dev.podidentity.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Which ARNs this deployment owns: a tag request may name only its own partition, region and account. */
class ServiceIdentityTest {
    static final ServiceIdentity ID = new ServiceIdentity("aws", "eu-west-1", "123456789012");

    @ParameterizedTest
    @ValueSource(strings = {
            "arn:aws:eks:eu-west-1:999999999999:podidentityassociation/c/a-1",
            "arn:aws:eks:us-east-1:123456789012:podidentityassociation/c/a-1",
            "arn:aws-cn:eks:eu-west-1:123456789012:podidentityassociation/c/a-1",
            "arn:aws:eks:eu-west-1:999999999999:cluster/c",
            "arn:aws:eks:us-east-1:123456789012:cluster/c",
            "arn:aws-us-gov:eks:eu-west-1:123456789012:cluster/c"})
    void anArnOfAnotherAccountRegionOrPartitionIsNotFoundHere(String arn) {
        assertThatThrownBy(() -> ID.resource(arn))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND))
                .hasMessageContaining("aws / eu-west-1 / 123456789012");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "arn:aws:s3:::bucket", "arn:aws:eks:eu-west-1:123456789012:cluster/c/extra",
            "arn:aws:eks:eu-west-1:123456789012:podidentityassociation/c", "arn:aws:eks:eu-west-1:12345678901:cluster/c",
            "arn:aws:eks:eu-west-1:123456789012:nodegroup/c/n"})
    void somethingThatIsNotAClusterOrAssociationArnIsBadRequest(String arn) {
        assertThatThrownBy(() -> ID.resource(arn))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST))
                .hasMessageContaining("resourceArn");
        assertThatThrownBy(() -> ID.resource(null))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST));
    }

    @org.junit.jupiter.api.Test
    void noArnIsRequired() {
        for (String missing : new String[] {null, ""}) {
            assertThatThrownBy(() -> ID.resource(missing))
                    .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST))
                    .hasMessageContaining("resourceArn is required");
        }
    }

    @ParameterizedTest
    @CsvSource({"us-east-1,aws", "eu-central-1,aws", "cn-north-1,aws-cn", "us-gov-west-1,aws-us-gov", "us-iso-east-1,aws-iso",
            "us-isob-east-1,aws-iso-b", "eusc-de-east-1,aws-eusc"})
    void eachRegionBelongsToItsPartition(String region, String partition) {
        assertThat(ServiceIdentity.partitionOf(region)).isEqualTo(partition);
    }
}
