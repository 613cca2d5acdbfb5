package dev.podidentity.adapter.sts;

import dev.podidentity.adapter.AwsFailures;
import dev.podidentity.domain.CredentialIssuer;
import dev.podidentity.domain.ErrorCode;
import dev.podidentity.domain.IssuedCredentials;
import dev.podidentity.domain.PodClaims;
import dev.podidentity.domain.ServiceException;
import dev.podidentity.domain.StsRefusedException;
import dev.podidentity.domain.SubjectBinding;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.AssumeRoleRequest;
import software.amazon.awssdk.services.sts.model.AssumeRoleResponse;
import software.amazon.awssdk.services.sts.model.Credentials;
import software.amazon.awssdk.services.sts.model.StsException;
import software.amazon.awssdk.services.sts.model.Tag;

/**
 * Mints pod credentials with {@code sts:AssumeRole} as EKS Auth does: session name {@code eks-CLUSTER-POD-RANDOM}
 * (or the association's stable {@link dev.podidentity.domain.SessionNamePolicy}), the six transitive session tags
 * and the association's own (unless disabled), the association's policy as session policy, and for a target
 * role a second AssumeRole with the first credentials and the association's external id.
 *
 * <p>Lifetime: one hour, not EKS Auth's six. The broker runs as a Lambda execution role, and an assumed-role session
 * calling AssumeRole is role chaining, which STS caps at one hour whatever the role's MaxSessionDuration. The agent
 * and SDKs refresh credentials before they expire, so pods see no difference beyond more frequent refreshes.
 */
public final class StsCredentialIssuer implements CredentialIssuer {
    /** Role chaining's cap (see the class comment). */
    static final int SINGLE_ROLE_SECONDS = 3600;
    static final int CHAINED_SECONDS = 59 * 60;
    static final int FIRST_HOP_SECONDS = 900;

    private final StsClient sts;

    public StsCredentialIssuer(StsClient sts) {
        this.sts = sts;
    }

    /** An issuer with its own STS client, configured like every client of the execution environment. */
    public static StsCredentialIssuer create(dev.podidentity.config.SdkClients clients,
                                             software.amazon.awssdk.regions.Region region, java.net.URI endpoint) {
        return new StsCredentialIssuer(clients.configure(StsClient.builder(), region, endpoint).build());
    }

    @Override
    public IssuedCredentials issue(SubjectBinding b, PodClaims pod, String clusterArn) {
        String sessionName = b.sessionNamePolicy().sessionName(b.clusterName(), pod);
        AssumeRoleRequest.Builder first = AssumeRoleRequest.builder().roleArn(b.roleArn()).roleSessionName(sessionName);
        if (!b.disableSessionTags()) {
            List<Tag> tags = new ArrayList<>(List.of(
                    tag("eks-cluster-arn", clusterArn),
                    tag("eks-cluster-name", b.clusterName()),
                    tag("kubernetes-namespace", pod.namespace()),
                    tag("kubernetes-service-account", pod.serviceAccount()),
                    tag("kubernetes-pod-name", pod.podName()),
                    tag("kubernetes-pod-uid", pod.podUid())));
            // the association's own tags, transitive like EKS's so a target role's session keeps them too
            b.sessionTags().forEach((k, v) -> tags.add(tag(k, v)));
            first.tags(tags).transitiveTagKeys(tags.stream().map(Tag::key).toList());
        }
        if (b.targetRoleArn() == null) {
            if (b.policy() != null) {
                first.policy(b.policy());
            }
            return toIssued(assume(first.durationSeconds(SINGLE_ROLE_SECONDS).build(), b.roleArn(), b));
        }
        AssumeRoleResponse hop = assume(first.durationSeconds(FIRST_HOP_SECONDS).build(), b.roleArn(), b);
        Credentials c = hop.credentials();
        AssumeRoleRequest.Builder second = AssumeRoleRequest.builder()
                .roleArn(b.targetRoleArn())
                .roleSessionName(sessionName)
                .durationSeconds(CHAINED_SECONDS)
                .overrideConfiguration(o -> o.credentialsProvider(StaticCredentialsProvider.create(
                        AwsSessionCredentials.create(c.accessKeyId(), c.secretAccessKey(), c.sessionToken()))));
        if (b.externalId() != null) {
            second.externalId(b.externalId());
        }
        if (b.policy() != null) {
            second.policy(b.policy());
        }
        return toIssued(assume(second.build(), b.targetRoleArn(), b));
    }

    private AssumeRoleResponse assume(AssumeRoleRequest request, String roleArn, SubjectBinding b) {
        try {
            return sts.assumeRole(request);
        } catch (SdkException e) {
            throw translate(e, roleArn, b);
        }
    }

    private static IssuedCredentials toIssued(AssumeRoleResponse r) {
        Credentials c = r.credentials();
        return new IssuedCredentials(c.accessKeyId(), c.secretAccessKey(), c.sessionToken(), c.expiration(),
                r.assumedRoleUser().arn(), r.assumedRoleUser().assumedRoleId());
    }

    /** STS's refusals are final (AccessDenied), throttling is 429, outages 503, anything else 500. */
    static ServiceException translate(SdkException e, String roleArn, SubjectBinding b) {
        var retryable = AwsFailures.retryable(e, "STS");
        if (retryable.isPresent()) {
            return retryable.get();
        }
        if (e instanceof StsException s) {
            String code = errorCode(s);
            if ("AccessDenied".equals(code) || "RegionDisabledException".equals(code) || s.statusCode() == 403) {
                return new StsRefusedException("STS refused to assume role " + roleArn + " for pod identity association "
                        + b.associationId() + ": check the role's trust policy allows the credential broker"
                        + " sts:AssumeRole and sts:TagSession"
                        + (b.externalId() != null && roleArn.equals(b.targetRoleArn())
                        ? " (and sts:ExternalId " + b.externalId() + ")" : ""), e);
            }
            if ("PackedPolicyTooLarge".equals(code)) {
                // the association's data, not the service, is at fault: a 4xx that says what to shorten
                return new ServiceException(ErrorCode.INVALID_PARAMETER, "STS refused the session for role " + roleArn
                        + " (PackedPolicyTooLarge): the session tags and policy of pod identity association "
                        + b.associationId() + " exceed STS's packed size limit; shorten or remove sessionTags or the"
                        + " policy with UpdatePodIdentityAssociation", e);
            }
            return new ServiceException(ErrorCode.INTERNAL_SERVER, "STS rejected the credential request for role "
                    + roleArn + " (" + code + ")", e);
        }
        return new ServiceException(ErrorCode.INTERNAL_SERVER, "Credential request failed", e);
    }

    private static String errorCode(StsException e) {
        return e.awsErrorDetails() == null ? "" : String.valueOf(e.awsErrorDetails().errorCode());
    }

    private static Tag tag(String key, String value) {
        return Tag.builder().key(key).value(value).build();
    }
}
