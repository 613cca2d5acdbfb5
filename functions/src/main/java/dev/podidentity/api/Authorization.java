package dev.podidentity.api;

/** How API Gateway authorizes a route. */
public enum Authorization {
    /** SigV4 with signing name {@code execute-api}; the caller's identity reaches the handler. */
    AWS_IAM,
    /** No gateway authorization: the request carries its own credential (the pod's token). */
    NONE
}
