package dev.podidentity.domain;

/** The outcome of one diagnosis step: it held, it did not, or it could not be checked (input or access missing). */
public enum CheckStatus {
    PASS, FAIL, SKIP
}
