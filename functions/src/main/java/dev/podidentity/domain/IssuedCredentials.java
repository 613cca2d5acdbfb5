package dev.podidentity.domain;

import java.time.Instant;

/** Temporary credentials minted for a pod, with the assumed-role identity they carry. */
public record IssuedCredentials(
        String accessKeyId,
        String secretAccessKey,
        String sessionToken,
        Instant expiration,
        String assumedRoleArn,
        String assumedRoleId) {

    @Override
    public String toString() {
        return "IssuedCredentials[" + assumedRoleArn + ", expires " + expiration + "]";
    }
}
