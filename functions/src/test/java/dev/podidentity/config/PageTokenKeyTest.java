package dev.podidentity.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podidentity.domain.ServiceException;
import dev.podidentity.service.PageTokens;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Where the nextToken key comes from: the paging secret when the stack names one, else the derived local key. */
class PageTokenKeyTest {
    private static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("AWS_REGION", "eu-west-1");
        env.put(Settings.TABLE_NAME, "pod-identity");
        env.put(Settings.ACCOUNT_ID, "123456789012");
        env.put("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
        env.put("AWS_SECRET_ACCESS_KEY", "secret");
        return env;
    }

    @Test
    void secretArn_andSecretsManagerEndpoint_areReadFromTheEnvironment() {
        Map<String, String> env = env();
        env.put(Settings.PAGE_TOKEN_SECRET_ARN, "arn:aws:secretsmanager:eu-west-1:123456789012:secret:k-AbCdEf");
        env.put("AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://127.0.0.1:4566");
        Settings settings = Settings.from(env);
        assertThat(settings.pageTokenSecretArn()).isEqualTo("arn:aws:secretsmanager:eu-west-1:123456789012:secret:k-AbCdEf");
        assertThat(settings.secretsManagerEndpoint()).isEqualTo(URI.create("http://127.0.0.1:4566"));
    }

    @Test
    void withoutSecretArn_theKeyIsDerived_andNothingIsRead() {
        Settings settings = Settings.from(env());
        assertThat(settings.pageTokenSecretArn()).isNull();
        assertThat(settings.pageTokenKey())
                .isEqualTo("pod-identity:123456789012:eu-west-1:pod-identity".getBytes(StandardCharsets.UTF_8));
        // no endpoint answers here: a read would fail, the derived key needs none
        PageTokens tokens = Composition.from(env()).pageTokens();
        String token = tokens.encode("ListClusters", "c1");
        assertThat(new PageTokens(settings.pageTokenKey()).decode("ListClusters", token)).isEqualTo("c1");
    }

    @Test
    void secretValue_isTheKey_andAShortOneIsRefusedWithWhatToFix() {
        String value = "a".repeat(64);
        assertThat(Composition.pageTokenKey(value)).isEqualTo(value.getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> Composition.pageTokenKey("short"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("at least 32")
                .hasMessageNotContaining("short\"");
        String token = new PageTokens(Composition.pageTokenKey(value)).encode("ListClusters", "c1");
        assertThatThrownBy(() -> new PageTokens(Settings.from(env()).pageTokenKey()).decode("ListClusters", token))
                .isInstanceOf(ServiceException.class);
    }
}
