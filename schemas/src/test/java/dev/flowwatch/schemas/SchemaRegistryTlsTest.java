package dev.flowwatch.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/** An https registry whose self-signed certificate only the configured trust store vouches for. */
class SchemaRegistryTlsTest {

    private static final char[] PASSWORD = "changeit".toCharArray();
    private static final RegistryId ID = new RegistryId(RegistryId.Kind.SCHEMA_ID, 7);

    @TempDir Path dir;

    @Test
    void anHttpsRegistryIsTrustedThroughTheConfiguredTrustStoreOnly() throws Exception {
        KeyStore serverKeys = selfSignedKeys();
        try (StubRegistry stub = StubRegistry.https(serverContext(serverKeys))) {
            stub.answer(
                    "/schemas/ids/7",
                    200,
                    SchemaRegistryClientTest.confluentSchema(ImageEvent.getClassSchema()));
            SchemaRegistrySettings plain =
                    SchemaRegistryClientTest.settings(
                            stub.url(), Duration.ofMillis(300), Duration.ofSeconds(1));
            SchemaRegistrySettings trusting =
                    new SchemaRegistrySettings(
                            plain.url(),
                            plain.username(),
                            plain.password(),
                            Optional.of(
                                    new SchemaRegistrySettings.TrustStore(
                                            trustStoreOf(serverKeys),
                                            Optional.of("trust-me"),
                                            "PKCS12")),
                            plain.requestTimeout(),
                            plain.retryBudget(),
                            plain.cacheSize(),
                            plain.unknownIdTtl());

            assertEquals(
                    Optional.of(ImageEvent.getClassSchema()),
                    new SchemaRegistryClient(trusting, SchemaRegistryClient.Listener.NONE)
                            .schema(ID));
            SchemaRegistryUnavailableException e =
                    assertThrows(
                            SchemaRegistryUnavailableException.class,
                            () ->
                                    new SchemaRegistryClient(
                                                    plain, SchemaRegistryClient.Listener.NONE)
                                            .schema(ID));
            assertTrue(e.getMessage().contains("could not be reached"), e.getMessage());
        }
    }

    /** A key pair and self-signed certificate for 127.0.0.1, made by the JDK's keytool. */
    private KeyStore selfSignedKeys() throws Exception {
        Path file = dir.resolve("server.p12");
        Process keytool =
                new ProcessBuilder(
                                List.of(
                                        Path.of(System.getProperty("java.home"), "bin", "keytool")
                                                .toString(),
                                        "-genkeypair",
                                        "-alias",
                                        "registry",
                                        "-keyalg",
                                        "EC",
                                        "-dname",
                                        "CN=registry",
                                        "-ext",
                                        "SAN=ip:127.0.0.1",
                                        "-validity",
                                        "2",
                                        "-storetype",
                                        "PKCS12",
                                        "-keystore",
                                        file.toString(),
                                        "-storepass",
                                        new String(PASSWORD)))
                        .redirectErrorStream(true)
                        .start();
        String output = new String(keytool.getInputStream().readAllBytes());
        assertEquals(0, keytool.waitFor(), output);
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            keys.load(in, PASSWORD);
        }
        return keys;
    }

    private static SSLContext serverContext(KeyStore keys) throws Exception {
        KeyManagerFactory managers =
                KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        managers.init(keys, PASSWORD);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(managers.getKeyManagers(), null, null);
        return context;
    }

    /** A trust store holding the server's certificate alone. */
    private Path trustStoreOf(KeyStore serverKeys) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("registry", serverKeys.getCertificate("registry"));
        Path file = dir.resolve("trust.p12");
        try (OutputStream out = Files.newOutputStream(file)) {
            trust.store(out, "trust-me".toCharArray());
        }
        return file;
    }
}
