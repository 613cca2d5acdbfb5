package dev.podidentity.local.aws;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The local account's IAM users and roles with their policies. */
public final class IamState {
    public record User(String name, String arn, String userId, Map<String, String> policies, Instant createdAt) {
    }

    public record Role(String name, String path, String arn, String roleId, String trustPolicy, int maxSessionDuration,
                       Map<String, String> policies, Instant createdAt, String description) {
        Role withTrustPolicy(String policy) {
            return new Role(name, path, arn, roleId, policy, maxSessionDuration, policies, createdAt, description);
        }
    }

    private final String partition;
    private final String accountId;
    final Map<String, User> users = new ConcurrentHashMap<>();
    final Map<String, Role> roles = new ConcurrentHashMap<>();

    public IamState(String partition, String accountId) {
        this.partition = partition;
        this.accountId = accountId;
    }

    public String accountId() {
        return accountId;
    }

    public String partition() {
        return partition;
    }

    public User addUser(String name) {
        User user = new User(name, "arn:" + partition + ":iam::" + accountId + ":user/" + name,
                CredentialStore.randomId("AIDA"), new ConcurrentHashMap<>(), Instant.now());
        users.put(name, user);
        return user;
    }

    public Role addRole(String name, String path, String trustPolicy, int maxSessionDuration, String description) {
        Role role = new Role(name, path, "arn:" + partition + ":iam::" + accountId + ":role" + path + name,
                CredentialStore.randomId("AROA"), trustPolicy, maxSessionDuration, new ConcurrentHashMap<>(),
                Instant.now(), description);
        roles.put(name, role);
        return role;
    }

    public Optional<Role> role(String name) {
        return Optional.ofNullable(roles.get(name));
    }

    public Optional<Role> roleByArn(String arn) {
        return roles.values().stream().filter(r -> r.arn().equals(arn)).findFirst();
    }

    public Optional<User> user(String name) {
        return Optional.ofNullable(users.get(name));
    }

    public Optional<User> userByArn(String arn) {
        return users.values().stream().filter(u -> u.arn().equals(arn)).findFirst();
    }

    void replaceRole(Role role) {
        roles.put(role.name(), role);
    }

    /** The identity policies of a user or role ARN (empty when the entity does not exist). */
    public Map<String, String> policiesOf(String entityArn) {
        return userByArn(entityArn).map(User::policies)
                .or(() -> roleByArn(entityArn).map(Role::policies))
                .orElse(Map.of());
    }
}
