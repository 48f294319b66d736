package dev.flowwatch.streams.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.flowpp.score.ScoreKind;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

class AppConfigTest {

    private static final Map<String, String> REQUIRED =
            Map.of(
                    "bootstrap.servers",
                    "broker:9092",
                    "model.dir",
                    "/models/m",
                    "threshold.bpd",
                    "4.5");

    @TempDir Path dir;

    @Test
    void underExactlyOnceBatchesHaveAMinuteOfTransactionUnlessKafkaSettingsSayOtherwise() {
        AppConfig defaults = AppConfig.load(null, Map.of(), REQUIRED);
        assertEquals(Duration.ofMinutes(1), defaults.transactionTimeout());
        assertEquals(Duration.ofMinutes(5), defaults.maxPollInterval());
        assertEquals("60000", defaults.streamsProperties().get("producer.transaction.timeout.ms"));

        Map<String, String> set = new HashMap<>(REQUIRED);
        set.put("kafka.transaction.timeout.ms", "120000");
        set.put("kafka.main.consumer.max.poll.interval.ms", "90000");
        AppConfig longer = AppConfig.load(null, Map.of(), set);
        assertEquals(Duration.ofMinutes(2), longer.transactionTimeout());
        assertEquals(Duration.ofSeconds(90), longer.maxPollInterval());
        assertEquals("120000", longer.streamsProperties().get("producer.transaction.timeout.ms"));

        set.put("processing.guarantee", "at_least_once");
        AppConfig atLeastOnce = AppConfig.load(null, Map.of(), set);
        assertNull(atLeastOnce.streamsProperties().get("producer.transaction.timeout.ms"));
        set.put("kafka.main.consumer.max.poll.interval.ms", "soon");
        InvalidConfigException e =
                assertThrows(
                        InvalidConfigException.class,
                        () -> AppConfig.load(null, Map.of(), set).maxPollInterval());
        assertTrue(e.getMessage().contains("max.poll.interval.ms='soon'"), e.getMessage());
    }

    @Test
    void everyDeclaredKeyCanBeSetByItsEnvironmentVariableHyphensIncluded() {
        Map<String, String> env =
                Map.of(
                        "FLOWWATCH_SCORING_MAX_ATTEMPTS", "5",
                        "FLOWWATCH_ALERT_TARGET_FALSE_ALARM_RATE", "0.001");

        AppConfig c = AppConfig.load(null, env, REQUIRED);

        assertEquals(5, c.scoringMaxAttempts());
        assertEquals(0.001, c.alertTargetFalseAlarmRate());
        for (String key : AppSettings.DEFINITION.names()) {
            assertEquals(
                    key,
                    AppConfig.keyOfEnvironmentVariable(
                            AppConfig.ENV_PREFIX
                                    + key.toUpperCase(Locale.ROOT).replaceAll("[.-]", "_")),
                    "the variable of " + key);
        }
    }

    @Test
    void overridesBeatEnvironmentBeatFileBeatDefaults() throws IOException {
        Path file = dir.resolve("app.properties");
        Files.writeString(
                file,
                "bootstrap.servers=from-file:9092\nmodel.dir=/m\nthreshold.bpd=3\n"
                        + "batch.max.size=16\nbatch.max.delay.ms=20\niw.samples=4\n");
        Map<String, String> env =
                Map.of(
                        "FLOWWATCH_BATCH_MAX_SIZE",
                        "128",
                        "FLOWWATCH_BATCH_MAX_DELAY_MS",
                        "30",
                        "PATH",
                        "/usr/bin");

        AppConfig c = AppConfig.load(file, env, Map.of("batch.max.size", "256"));

        assertEquals(256, c.batchMaxSize());
        assertEquals(30, c.batchMaxDelayMs());
        assertEquals(4, c.iwSamples());
        assertEquals("from-file:9092", c.bootstrapServers());
        assertEquals("flowwatch", c.applicationId());
        assertEquals("images.dlq", c.topicDlq());
        assertEquals(9400, c.metricsPort());
        assertEquals("exactly_once_v2", c.processingGuarantee());
    }

    @Test
    void missingRequiredSettingIsNamed() {
        Map<String, String> settings = new HashMap<>(REQUIRED);
        settings.remove("model.dir");

        InvalidConfigException e =
                assertThrows(
                        InvalidConfigException.class,
                        () -> AppConfig.load(null, Map.of(), settings));

        assertTrue(e.getMessage().contains("model.dir"), e.getMessage());
        assertTrue(e.getMessage().contains("FLOWWATCH_MODEL_DIR"), e.getMessage());
    }

    @Test
    void thresholdIsOptionalAndScoreKindDefaultsToBitsPerDim() {
        Map<String, String> settings = new HashMap<>(REQUIRED);
        settings.remove("threshold.bpd");

        AppConfig c = AppConfig.load(null, Map.of(), settings);

        assertTrue(c.thresholdBpd().isEmpty());
        assertEquals(ScoreKind.BPD, c.scoreKind());
        assertEquals(0.01, c.alertTargetFalseAlarmRate());
        assertEquals(1, c.alertPerSourceK(), "the per-source rule is off: 1 of 1");
        assertEquals(1, c.alertPerSourceN());
        assertEquals(4.5, AppConfig.load(null, Map.of(), REQUIRED).thresholdBpd().getAsDouble());
    }

    @Test
    void badScoreSettingsAreNamed() {
        assertEquals(
                "score.kind='llr': must be bpd, bpd_iw, complexity, likelihood_ratio or dose"
                        + " (from -Dscore.kind)",
                assertThrows(
                                InvalidConfigException.class,
                                () -> AppConfig.load(null, Map.of(), with("score.kind", "llr")))
                        .getMessage());
        assertEquals(
                "score.kind=bpd_iw needs iw.samples > 0 (score.kind from -Dscore.kind, iw.samples"
                        + " by default)",
                assertThrows(
                                InvalidConfigException.class,
                                () -> AppConfig.load(null, Map.of(), with("score.kind", "bpd_iw")))
                        .getMessage());
        assertTrue(
                assertThrows(
                                InvalidConfigException.class,
                                () ->
                                        AppConfig.load(
                                                null,
                                                Map.of(),
                                                with("alert.target-false-alarm-rate", "1")))
                        .getMessage()
                        .startsWith("alert.target-false-alarm-rate='1'"));
    }

    @Test
    void perSourceRuleNeedsKAnomaliesToFitInTheWindow() {
        Map<String, String> settings = with("alert.per-source.k", "3");
        settings.put("alert.per-source.n", "2");
        assertEquals(
                "alert.per-source.k=3 exceeds alert.per-source.n=2: k anomalies must fit in the"
                        + " last n events (alert.per-source.k from -Dalert.per-source.k,"
                        + " alert.per-source.n from -Dalert.per-source.n)",
                assertThrows(
                                InvalidConfigException.class,
                                () -> AppConfig.load(null, Map.of(), settings))
                        .getMessage());
        assertThrows(
                InvalidConfigException.class,
                () -> AppConfig.load(null, Map.of(), with("alert.per-source.n", "65")));
    }

    @Test
    void typicalityWindowIsOffOrAtLeastTwoEvents() {
        assertEquals(0, AppConfig.load(null, Map.of(), REQUIRED).typicalityWindow());
        assertEquals(
                16,
                AppConfig.load(null, Map.of(), with("typicality.window", "16")).typicalityWindow());
        assertTrue(
                assertThrows(
                                InvalidConfigException.class,
                                () ->
                                        AppConfig.load(
                                                null, Map.of(), with("typicality.window", "1")))
                        .getMessage()
                        .startsWith("typicality.window='1': must be 0 (off) or between 2 and"));
    }

    @Test
    void badNumberIsNamedWithItsValue() {
        InvalidConfigException e =
                assertThrows(
                        InvalidConfigException.class,
                        () ->
                                AppConfig.load(
                                        null,
                                        Map.of("FLOWWATCH_BATCH_MAX_SIZE", "lots"),
                                        REQUIRED));
        assertEquals(
                "batch.max.size='lots': not a whole number (from FLOWWATCH_BATCH_MAX_SIZE)",
                e.getMessage());

        InvalidConfigException range =
                assertThrows(
                        InvalidConfigException.class,
                        () -> AppConfig.load(null, Map.of(), with("metrics.port", "70000")));
        assertTrue(range.getMessage().startsWith("metrics.port='70000'"), range.getMessage());

        InvalidConfigException threshold =
                assertThrows(
                        InvalidConfigException.class,
                        () -> AppConfig.load(null, Map.of(), with("threshold.bpd", "high")));
        assertEquals(
                "threshold.bpd='high': not a number (from -Dthreshold.bpd)",
                threshold.getMessage());
    }

    @Test
    void badValueNamesTheFileItCameFromAndWhatIsAllowed() throws IOException {
        Path file = dir.resolve("app.properties");
        Files.writeString(file, "device=tpu\n");

        InvalidConfigException e =
                assertThrows(
                        InvalidConfigException.class,
                        () -> AppConfig.load(file, Map.of(), REQUIRED));

        assertEquals(
                "device='tpu': must be auto, cpu, gpu or gpu:N (in " + file + ")", e.getMessage());
    }

    @Test
    void emptySettingWithADefaultSaysHowToGetTheDefault() {
        InvalidConfigException e =
                assertThrows(
                        InvalidConfigException.class,
                        () ->
                                AppConfig.load(
                                        null, Map.of("FLOWWATCH_METRICS_PORT", " "), REQUIRED));

        assertEquals(
                "setting 'metrics.port' is empty (from FLOWWATCH_METRICS_PORT): give it a value,"
                        + " or leave it out for the default 9400",
                e.getMessage());
    }

    @Test
    void unknownSettingIsRejected() {
        InvalidConfigException e =
                assertThrows(
                        InvalidConfigException.class,
                        () -> AppConfig.load(null, Map.of(), with("batch.max.sise", "8")));
        assertTrue(e.getMessage().contains("batch.max.sise"), e.getMessage());
    }

    @Test
    void kafkaSettingsPassThroughWithoutPrefix() {
        AppConfig c =
                AppConfig.load(
                        null,
                        Map.of("FLOWWATCH_KAFKA_SASL_MECHANISM", "PLAIN"),
                        with("kafka.security.protocol", "SASL_SSL"));

        Properties p = c.streamsProperties();
        assertEquals("SASL_SSL", p.getProperty("security.protocol"));
        assertEquals("PLAIN", p.getProperty("sasl.mechanism"));
        assertEquals("broker:9092", p.getProperty("bootstrap.servers"));
        assertEquals("flowwatch", p.getProperty("application.id"));
        assertEquals("exactly_once_v2", p.getProperty("processing.guarantee"));
        assertEquals("SASL_SSL", c.clientProperties().getProperty("security.protocol"));
    }

    @Test
    void anIdleStreamThreadWakesAsOftenAsTheBatchingPunctuationUnlessKafkaPollMsIsSet() {
        Map<String, String> settings = with("batch.max.delay.ms", "200");
        assertEquals(
                "50", AppConfig.load(null, Map.of(), settings).streamsProperties().get("poll.ms"));

        // a long delay leaves Kafka's 100 ms: a longer poll could hold a transaction open past
        // its timeout
        settings.put("batch.max.delay.ms", "60000");
        assertEquals(
                "100", AppConfig.load(null, Map.of(), settings).streamsProperties().get("poll.ms"));

        settings.put("kafka.poll.ms", "7");
        assertEquals(
                "7", AppConfig.load(null, Map.of(), settings).streamsProperties().get("poll.ms"));
    }

    @Test
    void passwordsNeverShowInAnyStringForm() {
        String jaas =
                "org.apache.kafka.common.security.scram.ScramLoginModule required"
                        + " username=\"flowwatch\" password=\"s3cret-jaas\";";
        Map<String, String> settings = with("kafka.sasl.jaas.config", jaas);
        settings.put("kafka.ssl.truststore.password", "s3cret-store");
        // what Kafka types as passwords, named like none: a PEM private key, an OAuth secret
        settings.put("kafka.ssl.keystore.key", "-----BEGIN PRIVATE KEY----- s3cret-pem");
        settings.put("kafka.producer.ssl.keystore.key", "-----BEGIN PRIVATE KEY----- s3cret-pem");
        settings.put("kafka.sasl.oauthbearer.client.credentials.client.secret", "s3cret-oauth");
        settings.put("kafka.sasl.mechanism", "SCRAM-SHA-512");
        settings.put("schema.registry.url", "https://registry:8081");
        settings.put("schema.registry.basic.auth.username", "flowwatch");
        settings.put("schema.registry.basic.auth.password", "s3cret-registry");
        settings.put("schema.registry.ssl.truststore.location", "/etc/registry.p12");
        settings.put("schema.registry.ssl.truststore.password", "s3cret-registry-store");
        AppConfig c = AppConfig.load(null, Map.of(), settings);

        for (String shown :
                new String[] {
                    c.toString(),
                    c.kafka().toString(),
                    c.clientProperties().toString(),
                    c.streamsProperties().toString(),
                    c.producerProperties().toString(),
                    c.consumerProperties().toString()
                }) {
            assertFalse(shown.contains("s3cret"), shown);
            assertTrue(shown.contains("sasl.jaas.config=[hidden]"), shown);
            assertTrue(shown.contains("SCRAM-SHA-512"), "other settings still show: " + shown);
        }
        assertEquals(jaas, c.streamsProperties().getProperty("sasl.jaas.config"));
        assertEquals("s3cret-store", c.kafka().get("ssl.truststore.password"));
        var registry = c.schemaRegistry().orElseThrow();
        assertEquals("s3cret-registry", registry.password().orElseThrow());
        assertEquals(
                "s3cret-registry-store",
                registry.trustStore().orElseThrow().password().orElseThrow());
    }

    @Test
    void schemaRegistrySettingsAreReadWithDefaults() {
        Map<String, String> settings =
                with("schema.registry.url", "http://registry:8080/apis/ccompat/v7");
        settings.put("output.format", "registry");
        settings.put("schema.registry.retry.max.ms", "3000");
        AppConfig c = AppConfig.load(null, Map.of(), settings);

        var registry = c.schemaRegistry().orElseThrow();
        assertEquals(URI.create("http://registry:8080/apis/ccompat/v7"), registry.url());
        assertEquals(Duration.ofSeconds(3), registry.retryBudget());
        assertEquals(Duration.ofSeconds(2), registry.requestTimeout());
        assertEquals(1000, registry.cacheSize());
        assertEquals(Duration.ofSeconds(5), registry.unknownIdTtl());
        assertTrue(registry.username().isEmpty() && registry.trustStore().isEmpty());
        assertEquals(OutputFormat.REGISTRY, c.outputFormat());

        AppConfig plain = AppConfig.load(null, Map.of(), REQUIRED);
        assertTrue(plain.schemaRegistry().isEmpty());
        assertEquals(OutputFormat.SINGLE_OBJECT, plain.outputFormat());
    }

    @Test
    void badRegistrySettingsNameTheirKey() {
        assertFailsNaming("output.format", with("output.format", "registry"));
        assertFailsNaming("output.format", with("output.format", "confluent"));
        assertFailsNaming("schema.registry.url", with("schema.registry.url", "registry:8081"));
        Map<String, String> userOnly = with("schema.registry.url", "http://registry:8081");
        userOnly.put("schema.registry.basic.auth.username", "flowwatch");
        assertFailsNaming("schema.registry.basic.auth.password", userOnly);
    }

    private static void assertFailsNaming(String key, Map<String, String> settings) {
        InvalidConfigException e =
                assertThrows(
                        InvalidConfigException.class,
                        () -> AppConfig.load(null, Map.of(), settings));
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }

    @Test
    void failureHandlingSettingsHaveDefaultsAndBounds() {
        AppConfig c = AppConfig.load(null, Map.of(), REQUIRED);
        assertEquals(3, c.scoringMaxAttempts());
        assertEquals(5, c.healthMaxThreadReplacements());
        assertEquals(600, c.healthWindowSeconds());

        InvalidConfigException e =
                assertThrows(
                        InvalidConfigException.class,
                        () -> AppConfig.load(null, Map.of(), with("scoring.max-attempts", "0")));
        assertTrue(e.getMessage().contains("scoring.max-attempts"), e.getMessage());
    }

    @Test
    void settingOwnedHereCannotComeThroughKafkaPrefix() {
        InvalidConfigException e =
                assertThrows(
                        InvalidConfigException.class,
                        () ->
                                AppConfig.load(
                                        null, Map.of(), with("kafka.application.id", "other")));
        assertTrue(e.getMessage().contains("kafka.application.id"), e.getMessage());
    }

    /**
     * The dead-letter replay's producer sends what the app's does: its kafka.producer.* keys in
     * place of the plain ones, none of Kafka Streams' prefixed keys, the same size and compression.
     */
    @Test
    void plainClientsTakeTheirOwnPrefixedKeysAndNoOthers() {
        Map<String, String> set = new HashMap<>(REQUIRED);
        set.put("kafka.security.protocol", "SASL_SSL");
        set.put("kafka.producer.max.request.size", "4194304");
        set.put("kafka.producer.linger.ms", "20");
        set.put("kafka.consumer.fetch.max.bytes", "1000");
        set.put("kafka.linger.ms", "5");
        set.put("kafka.topic.max.message.bytes", "9");
        set.put("kafka.group.protocol", "streams");
        AppConfig config = AppConfig.load(null, Map.of(), set);

        Properties producer = config.producerProperties();
        assertEquals("SASL_SSL", producer.get("security.protocol"));
        assertEquals("4194304", producer.get("max.request.size"));
        assertEquals("20", producer.get("linger.ms"), "the producer's own key wins");
        assertEquals("lz4", producer.get("compression.type"));
        assertNull(producer.get("fetch.max.bytes"));
        assertTrue(
                producer.keySet().stream()
                        .noneMatch(
                                k ->
                                        k.toString().startsWith("producer.")
                                                || k.toString().startsWith("topic.")),
                producer.keySet().toString());
        Properties consumer = config.consumerProperties();
        assertEquals("1000", consumer.get("fetch.max.bytes"));
        assertEquals("5", consumer.get("linger.ms"));
        assertNull(consumer.get("max.request.size"));
        assertNull(consumer.get("group.protocol"), "Kafka Streams' own, which a consumer refuses");
    }

    private static Map<String, String> with(String key, String value) {
        Map<String, String> m = new HashMap<>(REQUIRED);
        m.put(key, value);
        return m;
    }
}
