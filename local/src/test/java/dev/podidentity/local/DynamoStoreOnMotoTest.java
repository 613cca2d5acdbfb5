package dev.podidentity.local;

import dev.podidentity.local.dynamo.TableSetup;
import java.net.URI;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * {@link DynamoStoreTest} against moto's server, a second DynamoDB implementation not written here. Skips with an
 * install hint where {@code moto_server} is missing, except under {@code CI=true}, where it fails.
 */
class DynamoStoreOnMotoTest extends DynamoStoreTest {
    private MotoServer moto;

    @Override
    Backend backend() {
        return Backend.MOTO;
    }

    @Override
    URI startBackend() {
        moto = MotoServer.startOrSkip();
        try (DynamoDbClient setup = client(moto.endpoint())) {
            TableSetup.ensureTable(setup, LocalStack.TABLE);
        }
        return moto.endpoint();
    }

    @Override
    void stopBackend() {
        if (moto != null) {
            moto.close();
        }
    }
}
