package dev.podidentity.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podidentity.domain.ServiceException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PageTokensTest {
    private final PageTokens tokens = new PageTokens("key".getBytes(StandardCharsets.UTF_8));

    @Test
    void decode_returnsThePosition_forATokenOfTheSameListing() {
        String token = tokens.encode("scope", "SUBJECT#ns#sa");
        assertThat(token).doesNotContain("SUBJECT").matches("[A-Za-z0-9_-]+");
        assertThat(tokens.decode("scope", token)).isEqualTo("SUBJECT#ns#sa");
    }

    @Test
    void decode_isInvalidParameter_forAnotherListingOrKey() {
        String token = tokens.encode("scope", "pos");
        assertThatThrownBy(() -> tokens.decode("other", token)).isInstanceOf(ServiceException.class)
                .hasMessageContaining("nextToken is invalid");
        assertThatThrownBy(() -> new PageTokens("other".getBytes(StandardCharsets.UTF_8)).decode("scope", token))
                .isInstanceOf(ServiceException.class);
    }

    @Test
    void decode_isInvalidParameter_forEveryAlteredByte() {
        byte[] raw = Base64.getUrlDecoder().decode(tokens.encode("scope", "SUBJECT#ns#sa"));
        for (int i = 0; i < raw.length; i++) {
            byte[] altered = raw.clone();
            altered[i] ^= 1;
            String token = Base64.getUrlEncoder().withoutPadding().encodeToString(altered);
            assertThatThrownBy(() -> tokens.decode("scope", token)).isInstanceOf(ServiceException.class);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "!!!", "abc", "e30", "%%%%"})
    void decode_isInvalidParameter_forGarbage(String token) {
        assertThatThrownBy(() -> tokens.decode("scope", token)).isInstanceOf(ServiceException.class);
    }
}
