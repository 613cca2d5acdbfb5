package dev.podidentity.cfn;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import dev.podidentity.api.Json;
import dev.podidentity.config.Composition;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Lambda function behind the stack's custom resource service token (not an HTTP route: CloudFormation invokes
 * it directly). Reads the request, lets {@link CustomResourceProvider} act, PUTs the outcome to the ResponseURL.
 */
public final class CustomResourceHandler implements RequestStreamHandler {
    private static final Logger LOG = LoggerFactory.getLogger(CustomResourceHandler.class);
    private final CustomResourceProvider provider;
    private final ResponseSender sender;

    /** The constructor Lambda calls. */
    public CustomResourceHandler() {
        this(fromEnvironment(), new ResponseSender());
    }

    public CustomResourceHandler(CustomResourceProvider provider, ResponseSender sender) {
        this.provider = provider;
        this.sender = sender;
    }

    public static CustomResourceProvider provider(Composition c) {
        return new CustomResourceProvider(c.associations(), c.clusters(), c.tags(), c.settings().identity());
    }

    private static CustomResourceProvider fromEnvironment() {
        return provider(Composition.fromEnvironment());
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        JsonNode raw = Json.MAPPER.readTree(input);
        CustomResourceEvent event = CustomResourceEvent.from(raw == null ? Json.object() : raw);
        CustomResourceResponse response = provider.handle(event);
        if (event.responseUrl() == null) {
            LOG.error("{} {}: the request has no ResponseURL, nothing to answer", event.requestType(), event.logicalResourceId());
            return;
        }
        try {
            int status = sender.send(event.responseUrl(), Json.write(response.body(event)));
            if (status != 200) {
                LOG.error("{} {}: CloudFormation's response URL answered {}", event.requestType(),
                        event.logicalResourceId(), status);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while answering CloudFormation", e);
        }
    }
}
