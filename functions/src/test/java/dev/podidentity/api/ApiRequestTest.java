package dev.podidentity.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podidentity.domain.ErrorCode;
import dev.podidentity.domain.ServiceException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Path labels as API Gateway hands them over: percent-encoded (REST APIs pass them as received) or not. */
class ApiRequestTest {
    static final String ARN = "arn:aws:eks:us-east-1:000000000000:podidentityassociation/demo/a-demo0000000000001";

    static String label(String value) {
        var event = Json.object();
        event.putObject("pathParameters").put("resourceArn", value);
        return new ApiRequest(event).path("resourceArn");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            // as the SDK encodes the whole ARN into one segment, and as a REST API passes it on
            "arn%3Aaws%3Aeks%3Aus-east-1%3A000000000000%3Apodidentityassociation%2Fdemo%2Fa-demo0000000000001",
            // lower-case escapes
            "arn%3aaws%3aeks%3aus-east-1%3a000000000000%3apodidentityassociation%2fdemo%2fa-demo0000000000001",
            // as curl users write it: raw colons and slashes (a greedy label keeps the slashes)
            "arn:aws:eks:us-east-1:000000000000:podidentityassociation/demo/a-demo0000000000001",
            // colons encoded, slashes raw (an encoder that keeps '/')
            "arn%3Aaws%3Aeks%3Aus-east-1%3A000000000000%3Apodidentityassociation/demo/a-demo0000000000001"})
    void arnLabel_isTheExactArn_whateverWasEncoded(String value) {
        assertThat(label(value)).isEqualTo(ARN);
    }

    @Test
    void escapes_areDecodedExactlyOnce_andPlusStaysPlus() {
        assertThat(label("a%252Fb")).isEqualTo("a%2Fb");
        assertThat(label("a+b%2Bc")).isEqualTo("a+b+c");
    }

    @Test
    void aBrokenEscape_isInvalidParameter_withWhatToFix() {
        assertThatThrownBy(() -> label("arn%3Aaws%ZZ")).isInstanceOfSatisfying(ServiceException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PARAMETER))
                .hasMessageContaining("resourceArn in the path is not correctly percent-encoded");
    }
}
