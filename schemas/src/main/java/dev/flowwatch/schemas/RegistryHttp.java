package dev.flowwatch.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * HTTP to the registry on the JDK's client: basic authentication, the trust store, and retries.
 *
 * <p>An unreachable registry, a timeout, 408, 429 and 5xx are retried with a backoff doubling from
 * 100 ms to 1 s until the retry budget is spent, then {@link SchemaRegistryUnavailableException}.
 * Every other answer goes back to the caller, who knows what its status means.
 */
final class RegistryHttp {

    /** An answer of the registry. */
    record Response(int status, String body) {}

    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(1);
    private static final int MAX_BODY_IN_MESSAGE = 300;

    private final HttpClient client;
    private final Optional<String> authorization;
    private final Duration requestTimeout;
    private final Duration retryBudget;
    private final Runnable onFailedAttempt;

    RegistryHttp(SchemaRegistrySettings settings, Runnable onFailedAttempt) {
        HttpClient.Builder builder =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(settings.requestTimeout());
        settings.trustStore().ifPresent(store -> builder.sslContext(sslContext(store)));
        this.client = builder.build();
        this.authorization =
                settings.username().map(user -> basic(user, settings.password().orElseThrow()));
        this.requestTimeout = settings.requestTimeout();
        this.retryBudget = settings.retryBudget();
        this.onFailedAttempt = onFailedAttempt;
    }

    Response get(URI uri) {
        return send(request(uri).GET().build());
    }

    Response post(URI uri, String json) {
        return send(
                request(uri)
                        .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                        .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8))
                        .build());
    }

    private HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(uri)
                        .timeout(requestTimeout)
                        .header(
                                "Accept",
                                "application/vnd.schemaregistry.v1+json, application/json");
        authorization.ifPresent(a -> b.header("Authorization", a));
        return b;
    }

    private Response send(HttpRequest request) {
        long start = System.nanoTime();
        long deadline = start + retryBudget.toNanos();
        Duration backoff = FIRST_BACKOFF;
        for (int attempt = 1; ; attempt++) {
            String failure;
            try {
                HttpResponse<String> r =
                        client.send(request, HttpResponse.BodyHandlers.ofString());
                if (!isTransient(r.statusCode())) {
                    return new Response(r.statusCode(), r.body());
                }
                failure = "answered " + r.statusCode() + " " + shorten(r.body());
            } catch (IOException e) {
                failure = "could not be reached (" + e + ")";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SchemaRegistryUnavailableException(
                        "Interrupted while asking the schema registry " + request.uri());
            }
            onFailedAttempt.run();
            if (System.nanoTime() + backoff.toNanos() > deadline) {
                throw new SchemaRegistryUnavailableException(
                        String.format(
                                "The schema registry %s for %s %s; gave up after %d attempts in"
                                        + " %d ms (the retry budget, schema.registry.retry.max.ms)",
                                failure,
                                request.method(),
                                request.uri(),
                                attempt,
                                Duration.ofNanos(System.nanoTime() - start).toMillis()));
            }
            sleep(backoff);
            Duration doubled = backoff.multipliedBy(2);
            backoff = doubled.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : doubled;
        }
    }

    private static String basic(String user, String password) {
        byte[] credentials = (user + ":" + password).getBytes(StandardCharsets.UTF_8);
        return "Basic " + Base64.getEncoder().encodeToString(credentials);
    }

    /** What a registry behind a load balancer answers while it restarts or is overloaded. */
    private static boolean isTransient(int status) {
        return status >= 500 || status == 408 || status == 429;
    }

    static String shorten(String body) {
        String oneLine = body == null ? "" : body.replaceAll("\\s+", " ").trim();
        return oneLine.length() <= MAX_BODY_IN_MESSAGE
                ? oneLine
                : oneLine.substring(0, MAX_BODY_IN_MESSAGE) + "…";
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryUnavailableException(
                    "Interrupted while waiting to ask the schema registry again");
        }
    }

    private static SSLContext sslContext(SchemaRegistrySettings.TrustStore store) {
        try (InputStream in = Files.newInputStream(store.location())) {
            KeyStore keys = KeyStore.getInstance(store.type());
            keys.load(in, store.password().map(String::toCharArray).orElse(null));
            TrustManagerFactory trust =
                    TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(keys);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    "Cannot load the schema registry's trust store "
                            + store.location()
                            + " ("
                            + store.type()
                            + "): "
                            + e.getMessage(),
                    e);
        }
    }
}
