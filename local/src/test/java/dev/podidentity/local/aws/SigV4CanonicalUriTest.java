package dev.podidentity.local.aws;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The canonical URI of a non-S3 service: the received path, dot segments removed, each segment encoded once more. */
class SigV4CanonicalUriTest {
    @Test
    void theSpecificationsExample() {
        // "Example Canonical URI with encoding: /documents%2520and%2520settings/" (request /documents%20and%20settings/)
        assertThat(SigV4Verifier.canonicalUri("/documents%20and%20settings/")).isEqualTo("/documents%2520and%2520settings/");
    }

    @Test
    void anArnSentByAnSdk_isDoubleEncoded_itsEncodedSlashesStayInsideTheSegment() {
        assertThat(SigV4Verifier.canonicalUri("/tags/arn%3Aaws%3Aeks%3Aus-east-1%3A000000000000%3Acluster%2Fdemo"))
                .isEqualTo("/tags/arn%253Aaws%253Aeks%253Aus-east-1%253A000000000000%253Acluster%252Fdemo");
    }

    @Test
    void anArnWrittenWithRawSlashes_hasItsColonsEncodedOnce_andItsSlashesSeparateSegments() {
        assertThat(SigV4Verifier.canonicalUri("/tags/arn:aws:eks:us-east-1:000000000000:podidentityassociation/demo/a-1"))
                .isEqualTo("/tags/arn%3Aaws%3Aeks%3Aus-east-1%3A000000000000%3Apodidentityassociation/demo/a-1");
    }

    @Test
    void dotSegments_areRemoved_butEncodedDotsAreNot() {
        assertThat(SigV4Verifier.canonicalUri("/a/./b/../c")).isEqualTo("/a/c");
        assertThat(SigV4Verifier.canonicalUri("/a/%2E%2E/c")).isEqualTo("/a/%252E%252E/c");
        assertThat(SigV4Verifier.canonicalUri("")).isEqualTo("/");
    }
}
