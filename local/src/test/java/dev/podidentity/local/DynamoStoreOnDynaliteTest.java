package dev.podidentity.local;

import java.net.URI;

/** {@link DynamoStoreTest} against the local stack's dynalite plus our transaction/TTL layer. */
class DynamoStoreOnDynaliteTest extends DynamoStoreTest {
    @Override
    Backend backend() {
        return Backend.DYNALITE_WITH_SHIM;
    }

    @Override
    URI startBackend() {
        return URI.create(TestStack.get().dynamoEndpoint());
    }

    @Override
    void stopBackend() {
        // the shared local stack outlives this class
    }
}
