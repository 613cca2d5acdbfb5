package dev.podidentity.adapter;

import dev.podidentity.domain.ErrorCode;
import dev.podidentity.domain.ServiceException;
import java.util.Optional;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * The part of translating AWS failures that every adapter shares: throttling is a retryable 429, a dependency's
 * 5xx or a call that never got an answer is a retryable 503. What is left (refusals, validation) is each
 * adapter's own business.
 */
public final class AwsFailures {
    private AwsFailures() {
    }

    /** The retryable failure {@code e} stands for, naming the dependency ("STS", "IAM", "The data store"). */
    public static Optional<ServiceException> retryable(SdkException e, String dependency) {
        if (e instanceof AwsServiceException s) {
            String code = s.awsErrorDetails() == null ? "" : String.valueOf(s.awsErrorDetails().errorCode());
            if (s.isThrottlingException() || "Throttling".equals(code) || s.statusCode() == 429) {
                return Optional.of(new ServiceException(ErrorCode.THROTTLING,
                        dependency + " is throttling requests; retry with backoff", e));
            }
            if (s.statusCode() >= 500) {
                return Optional.of(new ServiceException(ErrorCode.SERVICE_UNAVAILABLE, dependency + " is unavailable; retry", e));
            }
        } else if (e instanceof SdkClientException) {
            return Optional.of(new ServiceException(ErrorCode.SERVICE_UNAVAILABLE,
                    dependency + " did not answer in time; retry", e));
        }
        return Optional.empty();
    }
}
