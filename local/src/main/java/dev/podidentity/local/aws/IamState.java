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

    /** Writes users, roles, policies and users' access keys to {@code file} (the data directory's IAM). */
    public synchronized void save(java.nio.file.Path file, CredentialStore credentials) {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var root = json.createObjectNode();
        var u = root.putArray("users");
        users.values().forEach(user -> {
            var n = u.addObject().put("name", user.name()).put("arn", user.arn()).put("userId", user.userId())
                    .put("createdAt", user.createdAt().toString());
            n.set("policies", json.valueToTree(user.policies()));
            var keys = n.putArray("accessKeys");
            credentials.longTermKeysOf(user.arn()).forEach(c -> keys.addObject().put("id", c.accessKeyId())
                    .put("secret", c.secretAccessKey()));
        });
        var r = root.putArray("roles");
        roles.values().forEach(role -> {
            var n = r.addObject().put("name", role.name()).put("path", role.path()).put("arn", role.arn())
                    .put("roleId", role.roleId()).put("trustPolicy", role.trustPolicy())
                    .put("maxSessionDuration", role.maxSessionDuration()).put("createdAt", role.createdAt().toString())
                    .put("description", role.description());
            n.set("policies", json.valueToTree(role.policies()));
        });
        try {
            java.nio.file.Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            java.nio.file.Files.createDirectories(java.util.Objects.requireNonNull(file.toAbsolutePath().getParent(), "data folder"));
            java.nio.file.Files.writeString(tmp, json.writerWithDefaultPrettyPrinter().writeValueAsString(root));
            java.nio.file.Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot save the local IAM state", e);
        }
    }

    /** Reads what {@link #save} wrote; answers false when there is nothing to read. */
    public synchronized boolean load(java.nio.file.Path file, CredentialStore credentials) throws java.io.IOException {
        if (!java.nio.file.Files.exists(file)) {
            return false;
        }
        var root = new com.fasterxml.jackson.databind.ObjectMapper().readTree(file.toFile());
        for (var n : root.path("users")) {
            Map<String, String> policies = new ConcurrentHashMap<>();
            n.path("policies").properties().forEach(e -> policies.put(e.getKey(), e.getValue().asText()));
            User user = new User(n.path("name").asText(), n.path("arn").asText(), n.path("userId").asText(), policies,
                    Instant.parse(n.path("createdAt").asText()));
            users.put(user.name(), user);
            for (var k : n.path("accessKeys")) {
                credentials.addLongTerm(k.path("id").asText(), k.path("secret").asText(),
                        Principal.user(user.arn(), accountId, user.userId()));
            }
        }
        for (var n : root.path("roles")) {
            Map<String, String> policies = new ConcurrentHashMap<>();
            n.path("policies").properties().forEach(e -> policies.put(e.getKey(), e.getValue().asText()));
            roles.put(n.path("name").asText(), new Role(n.path("name").asText(), n.path("path").asText(),
                    n.path("arn").asText(), n.path("roleId").asText(), n.path("trustPolicy").asText(),
                    n.path("maxSessionDuration").asInt(3600), policies, Instant.parse(n.path("createdAt").asText()),
                    n.path("description").isNull() ? null : n.path("description").asText(null)));
        }
        return true;
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
