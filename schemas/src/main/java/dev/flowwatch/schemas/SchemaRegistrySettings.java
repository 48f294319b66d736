package dev.flowwatch.schemas;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the schema registry is and how to talk to it.
 *
 * @param url the Confluent-compatible base URL, as Confluent's clients take it: {@code
 *     http://host:8081} for Confluent or Karapace, {@code http://host:8080/apis/ccompat/v7} for
 *     Apicurio (whose {@code /apis/registry/v2} or {@code /v3} URL is accepted too)
 * @param username with {@code password}, HTTP basic authentication; empty: none
 * @param trustStore a trust store for an {@code https} registry whose certificate the JVM's default
 *     trust store does not vouch for
 * @param requestTimeout the longest one HTTP request may take
 * @param retryBudget how long a request is retried while the registry is unreachable or answers 5xx
 *     before {@link SchemaRegistryUnavailableException}
 * @param cacheSize the most schemas (and ids the registry does not know) kept
 * @param unknownIdTtl how long an id the registry does not know is answered from memory
 */
public record SchemaRegistrySettings(
        URI url,
        Optional<String> username,
        Optional<String> password,
        Optional<TrustStore> trustStore,
        Duration requestTimeout,
        Duration retryBudget,
        int cacheSize,
        Duration unknownIdTtl) {

    /** A key store file holding the certificates to trust. */
    public record TrustStore(Path location, Optional<String> password, String type) {
        @Override
        public String toString() {
            return "TrustStore[location=" + location + ", type=" + type + "]";
        }
    }

    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(2);

    /** Below Kafka Streams' 10 s transaction timeout under exactly-once, which a wait holds up. */
    public static final Duration DEFAULT_RETRY_BUDGET = Duration.ofSeconds(5);

    public static final int DEFAULT_CACHE_SIZE = 1000;

    public static final Duration DEFAULT_UNKNOWN_ID_TTL = Duration.ofSeconds(5);

    public SchemaRegistrySettings {
        Objects.requireNonNull(url, "url");
        if (username.isPresent() != password.isPresent()) {
            throw new IllegalArgumentException(
                    "basic authentication needs both a user name and a password");
        }
        if (cacheSize < 1) {
            throw new IllegalArgumentException("cacheSize must be positive, got " + cacheSize);
        }
    }

    /** Defaults for everything but the URL: no authentication, the JVM's trust store. */
    public static SchemaRegistrySettings of(URI url) {
        return new SchemaRegistrySettings(
                url,
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                DEFAULT_REQUEST_TIMEOUT,
                DEFAULT_RETRY_BUDGET,
                DEFAULT_CACHE_SIZE,
                DEFAULT_UNKNOWN_ID_TTL);
    }

    /** Hides the password: settings end up in logs and exception messages. */
    @Override
    public String toString() {
        return "SchemaRegistrySettings[url="
                + url
                + ", username="
                + username.orElse("(none)")
                + ", password="
                + password.map(p -> "[hidden]").orElse("(none)")
                + ", trustStore="
                + trustStore.map(TrustStore::toString).orElse("(JVM default)")
                + ", requestTimeout="
                + requestTimeout
                + ", retryBudget="
                + retryBudget
                + ", cacheSize="
                + cacheSize
                + ", unknownIdTtl="
                + unknownIdTtl
                + "]";
    }
}
