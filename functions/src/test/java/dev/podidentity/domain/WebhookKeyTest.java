package dev.podidentity.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The admission webhook's secret: random, stored as a hash only, compared by hash, oversized input refused unhashed. */
class WebhookKeyTest {

    @Test
    void generatedKeysAre256RandomBitsInUrlSafeBase64() {
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            String key = WebhookKey.generate();
            assertThat(key).hasSize(43).matches("[A-Za-z0-9_-]+");
            keys.add(key);
        }
        assertThat(keys).hasSize(100);
    }

    @Test
    void theStoredFormIsTheLowercaseHexSha256_notTheKey() {
        assertThat(WebhookKey.hash("abc")).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        String key = WebhookKey.generate();
        assertThat(WebhookKey.hash(key)).hasSize(64).doesNotContain(key);
    }

    @Test
    void onlyTheKeyMatchesItsHash() {
        String key = WebhookKey.generate();
        String hash = WebhookKey.hash(key);

        assertThat(WebhookKey.matches(key, hash)).isTrue();
        assertThat(WebhookKey.matches(key, hash.toUpperCase(java.util.Locale.ROOT))).as("hex is case-blind").isTrue();
        assertThat(WebhookKey.matches(WebhookKey.generate(), hash)).isFalse();
        assertThat(WebhookKey.matches(key.substring(1), hash)).isFalse();
        assertThat(WebhookKey.matches(key + "=", hash)).isFalse();
        assertThat(WebhookKey.matches(hash, hash)).as("the hash is not a key").isFalse();
        assertThat(WebhookKey.matches("", WebhookKey.hash(""))).isTrue();
    }

    @Test
    void nothingMatchesAMissingOrUnreadableHash_andNoKeyIsNull() {
        String key = WebhookKey.generate();
        assertThat(WebhookKey.matches(null, WebhookKey.hash(""))).isFalse();
        assertThat(WebhookKey.matches(key, null)).isFalse();
        assertThat(WebhookKey.matches(key, "not hex")).isFalse();
        assertThat(WebhookKey.matches(key, "abc")).isFalse();
        assertThat(WebhookKey.matches(key, "")).isFalse();
        assertThat(WebhookKey.matches(key, WebhookKey.hash(key).substring(2))).isFalse();
    }

    @Test
    void aPresentedKeyLongerThan128CharactersIsRefusedWithoutHashing_evenIfItsHashIsStored() {
        String longest = "k".repeat(WebhookKey.MAX_CHARS);
        String tooLong = longest + "k";

        assertThat(WebhookKey.matches(longest, WebhookKey.hash(longest))).isTrue();
        assertThat(WebhookKey.matches(tooLong, WebhookKey.hash(tooLong))).isFalse();
    }
}
