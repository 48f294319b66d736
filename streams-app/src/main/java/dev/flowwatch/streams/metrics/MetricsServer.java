package dev.flowwatch.streams.metrics;

import com.sun.net.httpserver.HttpExchange;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * Serves {@code /metrics} (Prometheus text or OpenMetrics, by content negotiation), {@code
 * /healthz} (200 while the app is not stuck, else 503: for a liveness probe) and {@code /ready}
 * (200 when the app can score, else 503: for a readiness probe). A 503 body says why.
 *
 * <p>The client library's HTTPServer hosts /metrics and takes one default handler for every other
 * path; the two probes are served there.
 */
public final class MetricsServer implements AutoCloseable {

    public static final String HEALTH_PATH = "/healthz";
    public static final String READY_PATH = "/ready";

    private final HTTPServer server;

    private MetricsServer(HTTPServer server) {
        this.server = server;
    }

    /**
     * @param port 0 picks a free port; see {@link #port()}
     */
    public static MetricsServer start(
            int port,
            PrometheusRegistry registry,
            Supplier<ProbeStatus> health,
            Supplier<ProbeStatus> ready) {
        try {
            return new MetricsServer(
                    HTTPServer.builder()
                            .port(port)
                            .registry(registry)
                            .defaultHandler(exchange -> probe(exchange, health, ready))
                            .buildAndStart());
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot serve metrics on port " + port + " (metrics.port): " + e.getMessage(),
                    e);
        }
    }

    public int port() {
        return server.getPort();
    }

    private static void probe(
            HttpExchange exchange, Supplier<ProbeStatus> health, Supplier<ProbeStatus> ready)
            throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (path.equals(HEALTH_PATH)) {
                answer(exchange, health.get(), "ok", "unhealthy");
            } else if (path.equals(READY_PATH)) {
                answer(exchange, ready.get(), "ready", "not ready");
            } else {
                respond(exchange, 404, "not found; try /metrics, /healthz or /ready\n");
            }
        }
    }

    private static void answer(HttpExchange exchange, ProbeStatus status, String ok, String failing)
            throws IOException {
        if (status.ok()) {
            respond(exchange, 200, ok + "\n");
        } else {
            respond(exchange, 503, failing + ": " + status.reason() + "\n");
        }
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
