package dev.flowwatch.schemas;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

import javax.net.ssl.SSLContext;

/**
 * An HTTP server answering what a test scripts per path, and remembering what was asked: a
 * registry's answers (outages, errors, odd bodies) without a registry.
 */
final class StubRegistry implements AutoCloseable {

    /** One answer: status and JSON body. */
    record Answer(int status, String body) {}

    /** One request as it arrived. */
    record Request(String method, String path, String authorization, String body) {}

    private final HttpServer server;
    private final Map<String, Supplier<Answer>> answers = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();

    StubRegistry() throws IOException {
        this(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0));
    }

    /** Over https, with the server's key and certificate from {@code tls}. */
    static StubRegistry https(SSLContext tls) throws IOException {
        HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        return new StubRegistry(server);
    }

    private StubRegistry(HttpServer server) {
        this.server = server;
        server.createContext(
                "/",
                exchange -> {
                    String body =
                            new String(
                                    exchange.getRequestBody().readAllBytes(),
                                    StandardCharsets.UTF_8);
                    String path = exchange.getRequestURI().getPath();
                    requests.add(
                            new Request(
                                    exchange.getRequestMethod(),
                                    path,
                                    exchange.getRequestHeaders().getFirst("Authorization"),
                                    body));
                    Answer a =
                            answers.getOrDefault(
                                            path,
                                            () ->
                                                    new Answer(
                                                            404,
                                                            "{\"error_code\":404,\"name\":"
                                                                    + "\"NotFoundException\"}"))
                                    .get();
                    byte[] out = a.body().getBytes(StandardCharsets.UTF_8);
                    exchange.getResponseHeaders().add("Content-Type", "application/json");
                    exchange.sendResponseHeaders(a.status(), out.length);
                    try (OutputStream o = exchange.getResponseBody()) {
                        o.write(out);
                    }
                });
        server.start();
    }

    /** The registry's base URL, as a Confluent-style client is given it. */
    URI url() {
        String scheme = server instanceof HttpsServer ? "https" : "http";
        return URI.create(scheme + "://127.0.0.1:" + server.getAddress().getPort());
    }

    StubRegistry answer(String path, int status, String body) {
        return answer(path, () -> new Answer(status, body));
    }

    StubRegistry answer(String path, Supplier<Answer> answer) {
        answers.put(path, answer);
        return this;
    }

    List<Request> requests() {
        return new ArrayList<>(requests);
    }

    long requestsTo(String path) {
        return requests.stream().filter(r -> r.path().equals(path)).count();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
