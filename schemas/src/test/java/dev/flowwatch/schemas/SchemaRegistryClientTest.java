package dev.flowwatch.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import dev.flowwatch.schemas.RegistryId.Kind;
import dev.flowwatch.schemas.SchemaRegistryClient.Failure;

import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

class SchemaRegistryClientTest {

    static final String UNKNOWN_ID = "{\"error_code\":40403,\"message\":\"Schema not found\"}";
    private static final RegistryId SCHEMA_7 = new RegistryId(Kind.SCHEMA_ID, 7);

    private final StubRegistry stub = new StubRegistry();
    private final Counting counts = new Counting();

    SchemaRegistryClientTest() throws IOException {}

    @AfterEach
    void stop() {
        stub.close();
    }

    /** The Confluent API's answer to GET /schemas/ids/N. */
    static String confluentSchema(Schema schema) {
        return JsonNodeFactory.instance.objectNode().put("schema", schema.toString()).toString();
    }

    static SchemaRegistrySettings settings(URI url, Duration retryBudget, Duration unknownIdTtl) {
        SchemaRegistrySettings d = SchemaRegistrySettings.of(url);
        return new SchemaRegistrySettings(
                url,
                d.username(),
                d.password(),
                d.trustStore(),
                Duration.ofSeconds(1),
                retryBudget,
                d.cacheSize(),
                unknownIdTtl);
    }

    private SchemaRegistryClient client(Duration retryBudget, Duration unknownIdTtl) {
        return new SchemaRegistryClient(settings(stub.url(), retryBudget, unknownIdTtl), counts);
    }

    private SchemaRegistryClient client() {
        return client(Duration.ofSeconds(2), Duration.ofSeconds(30));
    }

    @Test
    void aSchemaIsAskedForOnceAndThenAnsweredFromMemory() {
        stub.answer("/schemas/ids/7", 200, confluentSchema(ImageEvent.getClassSchema()));
        SchemaRegistryClient client = client();

        for (int i = 0; i < 3; i++) {
            assertEquals(Optional.of(ImageEvent.getClassSchema()), client.schema(SCHEMA_7));
        }

        assertEquals(1, stub.requestsTo("/schemas/ids/7"));
        assertEquals(Map.of("lookup", 1, "cacheHit", 2), counts.byName);
    }

    @Test
    void anUnknownIdIsRememberedBrieflyThenAskedAgain() throws InterruptedException {
        stub.answer("/schemas/ids/7", 404, UNKNOWN_ID);
        SchemaRegistryClient client = client(Duration.ofSeconds(2), Duration.ofMillis(300));

        assertEquals(Optional.empty(), client.schema(SCHEMA_7));
        assertEquals(Optional.empty(), client.schema(SCHEMA_7));
        assertEquals(1, stub.requestsTo("/schemas/ids/7"));

        Thread.sleep(400);
        stub.answer("/schemas/ids/7", 200, confluentSchema(ImageEvent.getClassSchema()));
        assertEquals(Optional.of(ImageEvent.getClassSchema()), client.schema(SCHEMA_7));
        assertEquals(2, stub.requestsTo("/schemas/ids/7"));
        assertEquals(1, counts.byName.get("UNKNOWN_ID"));
    }

    @Test
    void aSchemaAvroRefusesIsAnUnknownIdRememberedLikeAnyOther() {
        // Avro 1.12 checks defaults: this one is a string field defaulting to null
        String invalidDefault =
                "{\"type\":\"record\",\"name\":\"R\",\"fields\":"
                        + "[{\"name\":\"note\",\"type\":\"string\",\"default\":null}]}";
        stub.answer(
                "/schemas/ids/7",
                200,
                JsonNodeFactory.instance.objectNode().put("schema", invalidDefault).toString());
        SchemaRegistryClient client = client();

        assertEquals(Optional.empty(), client.schema(SCHEMA_7));
        assertEquals(Optional.empty(), client.schema(SCHEMA_7));

        assertEquals(1, stub.requestsTo("/schemas/ids/7"), "asked once, then remembered");
        assertEquals(1, counts.byName.get("UNKNOWN_ID"));
    }

    @Test
    void apicurioIdsAreLookedUpAtItsOwnApiBesideTheConfluentOne() {
        Schema schema = ImageEvent.getClassSchema();
        stub.answer("/apis/registry/v2/ids/globalIds/3", 200, schema.toString());
        stub.answer("/apis/registry/v2/ids/contentIds/2", 200, schema.toString());
        SchemaRegistryClient client =
                new SchemaRegistryClient(
                        settings(
                                URI.create(stub.url() + "/apis/ccompat/v7/"),
                                Duration.ofSeconds(1),
                                Duration.ofSeconds(1)),
                        counts);

        assertEquals(Optional.of(schema), client.schema(new RegistryId(Kind.GLOBAL_ID, 3)));
        assertEquals(Optional.of(schema), client.schema(new RegistryId(Kind.CONTENT_ID, 2)));
    }

    @Test
    void eitherFormOfAnApicurioUrlFindsBothApis() {
        URI ccompat = URI.create("http://r:8080/apis/ccompat/v7");
        URI v2 = URI.create("http://r:8080/apis/registry/v2/");
        URI confluent = URI.create("https://sr.example:8081");

        assertEquals(ccompat, SchemaRegistryClient.confluentBase(ccompat));
        assertEquals(ccompat, SchemaRegistryClient.confluentBase(v2));
        assertEquals(confluent, SchemaRegistryClient.confluentBase(confluent));
        assertEquals(
                URI.create("http://r:8080/apis/registry/v2"),
                SchemaRegistryClient.apicurioBase(ccompat));
        assertEquals(
                URI.create("http://r:8080/apis/registry/v2"),
                SchemaRegistryClient.apicurioBase(v2));
    }

    @Test
    void aRegistryThatAnswers5xxIsRetriedUntilTheBudgetIsSpentAndThenUnavailable() {
        stub.answer("/schemas/ids/7", 503, "{\"message\":\"restarting\"}");
        SchemaRegistryClient client = client(Duration.ofMillis(700), Duration.ofSeconds(1));

        long start = System.nanoTime();
        SchemaRegistryUnavailableException e =
                assertThrows(
                        SchemaRegistryUnavailableException.class, () -> client.schema(SCHEMA_7));

        assertTrue(stub.requestsTo("/schemas/ids/7") >= 3, "retried with backoff");
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(3).toNanos(), "within budget");
        assertTrue(e.getMessage().contains("answered 503"), e.getMessage());
        assertEquals(stub.requestsTo("/schemas/ids/7"), (long) counts.byName.get("UNAVAILABLE"));
    }

    @Test
    void aRegistryBackWithinTheBudgetAnswersAsIfNothingHappened() {
        AtomicInteger calls = new AtomicInteger();
        String found = confluentSchema(ImageEvent.getClassSchema());
        stub.answer(
                "/schemas/ids/7",
                () ->
                        calls.incrementAndGet() <= 2
                                ? new StubRegistry.Answer(502, "bad gateway")
                                : new StubRegistry.Answer(200, found));

        assertEquals(Optional.of(ImageEvent.getClassSchema()), client().schema(SCHEMA_7));
    }

    @Test
    void anUnreachableRegistryIsUnavailableNotAnUnknownId() {
        URI nobody = stub.url();
        stub.close();
        SchemaRegistryClient client =
                new SchemaRegistryClient(
                        settings(nobody, Duration.ofMillis(300), Duration.ofSeconds(1)), counts);

        SchemaRegistryUnavailableException e =
                assertThrows(
                        SchemaRegistryUnavailableException.class, () -> client.schema(SCHEMA_7));
        assertTrue(e.getMessage().contains("could not be reached"), e.getMessage());
    }

    @Test
    void a404ThatIsNoRegistryErrorIsAWrongUrlNotAnUnknownId() {
        // no answer scripted: the stub's 404 is a plain NotFoundException, as a wrong path gets
        assertThrows(SchemaRegistryUnavailableException.class, () -> client().schema(SCHEMA_7));
    }

    /**
     * Failed before: behind a proxy, a wrong port (400, "plain HTTP request sent to HTTPS port") or
     * a path it does not route (404) made every event a dead letter of an "unknown" id.
     */
    @Test
    void aProxysErrorPageIsAWrongUrlNotAnUnknownId() {
        String page = "<html><body>400 Bad Request</body></html>";
        stub.answer("/schemas/ids/7", 400, page);
        stub.answer("/apis/registry/v2/ids/globalIds/5", 404, page);
        SchemaRegistryClient client = client();

        assertThrows(SchemaRegistryUnavailableException.class, () -> client.schema(SCHEMA_7));
        assertThrows(
                SchemaRegistryUnavailableException.class,
                () -> client.schema(new RegistryId(Kind.GLOBAL_ID, 5)));
    }

    @Test
    void aRegistryWithoutApicuriosApiKnowsNoneOfItsIds() {
        // Confluent answers a path it does not serve with a plain 404
        stub.answer("/apis/registry/v2/ids/globalIds/5", 404, "{\"error_code\":404}");

        assertEquals(Optional.empty(), client().schema(new RegistryId(Kind.GLOBAL_ID, 5)));
    }

    @Test
    void idsBelowOneOrPastAnIntAndIdsTheRegistryRefusesAreUnknownNeverAFailedTask() {
        stub.answer("/apis/registry/v2/ids/globalIds/7", 400, "{\"error_code\":400}");
        SchemaRegistryClient client = client();

        assertEquals(Optional.empty(), client.schema(new RegistryId(Kind.GLOBAL_ID, -3)));
        assertEquals(Optional.empty(), client.schema(new RegistryId(Kind.SCHEMA_ID, 0)));
        assertEquals(
                Optional.empty(),
                client.schema(new RegistryId(Kind.SCHEMA_ID, 1L << 31)),
                "the Confluent API's ids are ints");
        assertEquals(Optional.empty(), client.schema(new RegistryId(Kind.GLOBAL_ID, 7)));
        assertEquals(1, stub.requests().size(), "only the id that may exist was asked for");
    }

    @Test
    void basicAuthenticationIsSentWithEveryRequest() {
        stub.answer("/schemas/ids/7", 200, confluentSchema(ImageEvent.getClassSchema()));
        new SchemaRegistryClient(withBasicAuth("flowwatch", "s3cret"), counts).schema(SCHEMA_7);

        String expected =
                "Basic "
                        + Base64.getEncoder()
                                .encodeToString(
                                        "flowwatch:s3cret".getBytes(StandardCharsets.UTF_8));
        assertEquals(expected, stub.requests().get(0).authorization());
    }

    @Test
    void settingsNeverShowThePassword() {
        SchemaRegistrySettings s = withBasicAuth("flowwatch", "s3cret");

        assertTrue(
                !s.toString().contains("s3cret") && s.toString().contains("[hidden]"),
                s.toString());
    }

    @Test
    void registrationReturnsTheIdAndTheSameSchemaGetsTheSameId() {
        stub.answer("/subjects/anomaly-scores-value/versions", 200, "{\"id\":4}");

        assertEquals(4, client().register("anomaly-scores-value", AnomalyScore.getClassSchema()));
        assertEquals(
                AnomalyScore.getClassSchema(),
                new Schema.Parser().parse(schemaField(stub.requests().get(0).body())));
    }

    @Test
    void anIncompatibleSchemaFailsRegistrationNamingTheSubject() {
        stub.answer(
                "/subjects/anomaly-scores-value/versions",
                409,
                "{\"error_code\":409,\"message\":\"Incompatible artifact\"}");

        SchemaRegistryException e =
                assertThrows(
                        SchemaRegistryException.class,
                        () ->
                                client().register(
                                                "anomaly-scores-value",
                                                AnomalyScore.getClassSchema()));
        assertTrue(e.getMessage().contains("'anomaly-scores-value'"), e.getMessage());
        assertTrue(e.getMessage().contains("409"), e.getMessage());
    }

    @Test
    void whereRegisteringIsForbiddenTheSchemaIsLookedUpUnderTheSubject() {
        stub.answer("/subjects/anomaly-alerts-value/versions", 403, "{\"error_code\":40301}");
        stub.answer(
                "/subjects/anomaly-alerts-value",
                200,
                "{\"subject\":\"anomaly-alerts-value\",\"version\":2,\"id\":9}");

        assertEquals(9, client().register("anomaly-alerts-value", AnomalyAlert.getClassSchema()));
    }

    @Test
    void aForbiddenRegistrationOfASchemaTheSubjectLacksNamesTheSubject() {
        stub.answer("/subjects/anomaly-alerts-value/versions", 403, "{\"error_code\":40301}");
        stub.answer("/subjects/anomaly-alerts-value", 404, UNKNOWN_ID);

        SchemaRegistryException e =
                assertThrows(
                        SchemaRegistryException.class,
                        () ->
                                client().register(
                                                "anomaly-alerts-value",
                                                AnomalyAlert.getClassSchema()));
        assertTrue(e.getMessage().contains("'anomaly-alerts-value'"), e.getMessage());
    }

    private SchemaRegistrySettings withBasicAuth(String user, String password) {
        SchemaRegistrySettings d = SchemaRegistrySettings.of(stub.url());
        return new SchemaRegistrySettings(
                d.url(),
                Optional.of(user),
                Optional.of(password),
                d.trustStore(),
                d.requestTimeout(),
                d.retryBudget(),
                d.cacheSize(),
                d.unknownIdTtl());
    }

    private static String schemaField(String json) {
        try {
            return new ObjectMapper().readTree(json).get("schema").asText();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Counts what the client reports, by method (and failure) name. */
    static final class Counting implements SchemaRegistryClient.Listener {
        final Map<String, Integer> byName = new ConcurrentHashMap<>();

        @Override
        public void lookup() {
            byName.merge("lookup", 1, Integer::sum);
        }

        @Override
        public void cacheHit() {
            byName.merge("cacheHit", 1, Integer::sum);
        }

        @Override
        public void failure(Failure failure) {
            byName.merge(failure.name(), 1, Integer::sum);
        }
    }
}
