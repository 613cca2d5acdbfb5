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

    @Test
    void aTokenCannotBeReCutForAListingWhoseScopeExtendsItsOwn() {
        // scope and position are separated in the MAC input: moving the position's first byte into the scope
        // ("ListX" + "pos" vs "ListXp" + "os") must not keep the MAC valid
        byte[] raw = Base64.getUrlDecoder().decode(tokens.encode("ListX", "pos"));
        byte[] recut = java.util.Arrays.copyOfRange(raw, 1, raw.length);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(recut);

        assertThatThrownBy(() -> tokens.decode("ListXp", token)).isInstanceOf(ServiceException.class)
                .hasMessageContaining("nextToken is invalid");
    }

    @Test
    void aPositionOfOneByteRoundTrips_andAMacAloneIsRefused() {
        assertThat(tokens.decode("scope", tokens.encode("scope", "p"))).isEqualTo("p");
        byte[] raw = Base64.getUrlDecoder().decode(tokens.encode("scope", "p"));
        String macOnly = Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOfRange(raw, 1, raw.length));
        assertThatThrownBy(() -> tokens.decode("scope", macOnly)).isInstanceOf(ServiceException.class);
    }

    @Test
    void aTokenLongerThan2048CharactersIsRefused_evenWhenSealed() {
        String longest = tokens.encode("scope", "p".repeat(1520));
        String tooLong = tokens.encode("scope", "p".repeat(1521));
        assertThat(longest).hasSize(2048);
        assertThat(tooLong).hasSizeGreaterThan(2048);

        assertThat(tokens.decode("scope", longest)).hasSize(1520);
        assertThatThrownBy(() -> tokens.decode("scope", tooLong)).isInstanceOf(ServiceException.class);
    }

    @Test
    void aMacOverAnEmptyPositionIsNeverAToken() {
        String empty = tokens.encode("scope", "");
        assertThatThrownBy(() -> tokens.decode("scope", empty)).isInstanceOf(ServiceException.class);
    }

    @Test
    void theKeyIsCopied_soChangingTheCallersArrayChangesNothing() {
        byte[] key = "key".getBytes(StandardCharsets.UTF_8);
        PageTokens sealed = new PageTokens(key);
        String token = sealed.encode("scope", "pos");
        key[0] = 'X';

        assertThat(sealed.decode("scope", token)).isEqualTo("pos");
        assertThat(tokens.decode("scope", token)).isEqualTo("pos");
    }
}
