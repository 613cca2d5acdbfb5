package dev.podidentity.api;

/** A DynamoDB action on the service's table. A transaction needs the actions of its parts. */
public enum TableAction {
    GET_ITEM("dynamodb:GetItem"),
    PUT_ITEM("dynamodb:PutItem"),
    UPDATE_ITEM("dynamodb:UpdateItem"),
    DELETE_ITEM("dynamodb:DeleteItem"),
    /** Queries the table and its indexes. */
    QUERY("dynamodb:Query"),
    /** Reads several items in one round trip (the broker: binding and pod tombstone). */
    BATCH_GET_ITEM("dynamodb:BatchGetItem");

    private final String iamAction;

    TableAction(String iamAction) {
        this.iamAction = iamAction;
    }

    /** The IAM action name. */
    public String iamAction() {
        return iamAction;
    }
}
