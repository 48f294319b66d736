package dev.flowwatch.streams.config;

import dev.flowwatch.flowpp.score.ScoreKind;
import dev.flowwatch.schemas.SchemaRegistrySettings;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.StreamsConfig;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Properties;
import java.util.Set;

/**
 * The settings of the streams app, read once at start and validated so that a bad or missing
 * setting fails with a message naming its key, its value, what is allowed and where it was set.
 *
 * <p>Each key is declared once, with its type, default, allowed values and meaning, in {@link
 * AppSettings}; the README's configuration table is rendered from there. Besides those keys, {@code
 * kafka.*} is passed to every Kafka client with the prefix stripped, e.g. {@code
 * kafka.security.protocol=SASL_SSL}; the producer's {@code max.request.size} [1048576, the broker's
 * default max.message.bytes] and {@code compression.type} [lz4] are set explicitly unless given
 * there ({@code kafka.producer.max.request.size} or {@code kafka.max.request.size}).
 *
 * <p>Sources, strongest first: explicit overrides (command line), the environment, the properties
 * file, the defaults. An environment variable {@code FLOWWATCH_BATCH_MAX_SIZE} sets {@code
 * batch.max.size}: the name after {@code FLOWWATCH_} is lower-cased and its underscores become dots
 * ({@code FLOWWATCH_KAFKA_SASL_MECHANISM} sets {@code kafka.sasl.mechanism}). Unknown keys in the
 * file or the overrides fail; unknown {@code FLOWWATCH_} variables are ignored, since the
 * environment is shared with other tools.
 */
public record AppConfig(
        String bootstrapServers,
        String applicationId,
        String topicImages,
        String topicScores,
        String topicAlerts,
        String topicDlq,
        Path modelDir,
        String device,
        int modelConcurrentPasses,
        int batchMaxSize,
        long batchMaxDelayMs,
        int batchingPartitions,
        boolean batchPipelined,
        int iwSamples,
        ScoreKind scoreKind,
        double alertTargetFalseAlarmRate,
        PerSourceRule alertPerSource,
        int typicalityWindow,
        Duration sourceWindowExpiry,
        OptionalDouble thresholdBpd,
        int maxPayloadBytes,
        int dlqMaxValueBytes,
        int metricsPort,
        Path stateDir,
        int numStreamThreads,
        String processingGuarantee,
        boolean topicsCreate,
        int topicsPartitions,
        short topicsReplication,
        int scoringMaxAttempts,
        int healthMaxThreadReplacements,
        int healthWindowSeconds,
        Optional<SchemaRegistrySettings> schemaRegistry,
        OutputFormat outputFormat,
        Map<String, String> kafka) {

    public static final String ENV_PREFIX = "FLOWWATCH_";

    /**
     * The setting that environment variable {@code name} gives (FLOWWATCH_SCORING_MAX_ATTEMPTS:
     * scoring.max-attempts), or null when it has not the prefix.
     */
    public static String keyOfEnvironmentVariable(String name) {
        return Settings.fromEnvironmentName(name);
    }

    /** Largest typicality window: each source keeps this many doubles in the store. */
    public static final int MAX_TYPICALITY_WINDOW = 1000;

    public static final String KAFKA_PREFIX = "kafka.";

    /** Kafka's default, and what the broker's default max.message.bytes lets through. */
    private static final int DEFAULT_MAX_REQUEST_SIZE = 1_048_576;

    private static final String DEFAULT_COMPRESSION = "lz4";

    /**
     * The producer's transaction.timeout.ms under exactly-once unless set: Kafka Streams' 10 s
     * would abort the transaction of a thread that waits on one batch that long, which a large
     * model's batch on a CPU does, and the batch would be scored again, and again (README, "Slow
     * batches").
     */
    private static final int DEFAULT_TRANSACTION_TIMEOUT_MS = 60_000;

    /** Kafka's default max.poll.interval.ms. */
    private static final int DEFAULT_MAX_POLL_INTERVAL_MS = 300_000;

    /** The prefixes of kafka.* keys meant for one of Kafka Streams' clients, or its topics. */
    private static final List<String> CLIENT_PREFIXES =
            List.of(
                    StreamsConfig.PRODUCER_PREFIX,
                    StreamsConfig.CONSUMER_PREFIX,
                    StreamsConfig.MAIN_CONSUMER_PREFIX,
                    StreamsConfig.RESTORE_CONSUMER_PREFIX,
                    StreamsConfig.GLOBAL_CONSUMER_PREFIX,
                    StreamsConfig.ADMIN_CLIENT_PREFIX,
                    StreamsConfig.TOPIC_PREFIX);

    /** Kafka Streams' default poll.ms. */
    private static final long KAFKA_POLL_MS = 100;

    /** Kafka settings this config owns; setting them again under kafka.* would be ambiguous. */
    private static final Set<String> OWNED_KAFKA_KEYS =
            Set.of(
                    StreamsConfig.BOOTSTRAP_SERVERS_CONFIG,
                    StreamsConfig.APPLICATION_ID_CONFIG,
                    StreamsConfig.STATE_DIR_CONFIG,
                    StreamsConfig.NUM_STREAM_THREADS_CONFIG,
                    StreamsConfig.PROCESSING_GUARANTEE_CONFIG);

    public AppConfig {
        kafka = Redacted.map(kafka);
    }

    /**
     * Reads the settings from a properties file (may be null), the environment and explicit
     * overrides, in increasing precedence, and validates them.
     *
     * @throws InvalidConfigException naming the key of the first missing or bad setting
     */
    public static AppConfig load(
            Path propertiesFileOrNull,
            Map<String, String> environment,
            Map<String, String> overrides) {
        Settings s = Settings.load(propertiesFileOrNull, environment, overrides);
        ScoreKind scoreKind = ScoreKind.parse(s.string("score.kind"));
        if (scoreKind == ScoreKind.BPD_IW && s.integer("iw.samples") == 0) {
            throw s.invalid("score.kind=bpd_iw needs iw.samples > 0", "score.kind", "iw.samples");
        }
        Optional<SchemaRegistrySettings> registry = schemaRegistry(s);
        OutputFormat outputFormat = OutputFormat.parse(s.string("output.format"));
        if (outputFormat == OutputFormat.REGISTRY && registry.isEmpty()) {
            throw s.invalid(
                    "output.format=registry needs schema.registry.url",
                    "output.format",
                    "schema.registry.url");
        }
        return new AppConfig(
                s.string("bootstrap.servers"),
                s.string("application.id"),
                s.string("topic.images"),
                s.string("topic.scores"),
                s.string("topic.alerts"),
                s.string("topic.dlq"),
                Path.of(s.string("model.dir")),
                s.string("device").toLowerCase(Locale.ROOT),
                s.integer("model.concurrent.passes"),
                s.integer("batch.max.size"),
                s.integer("batch.max.delay.ms"),
                s.integer("batching.partitions"),
                s.bool("batch.pipelined"),
                s.integer("iw.samples"),
                scoreKind,
                s.number("alert.target-false-alarm-rate"),
                s.combine(
                        () ->
                                new PerSourceRule(
                                        s.integer("alert.per-source.k"),
                                        s.integer("alert.per-source.n")),
                        "alert.per-source.k",
                        "alert.per-source.n"),
                s.integer("typicality.window"),
                Duration.ofMinutes(s.integer("source.window.expiry.minutes")),
                s.optionalNumber("threshold.bpd")
                        .map(OptionalDouble::of)
                        .orElse(OptionalDouble.empty()),
                s.integer("max.payload.bytes"),
                s.integer("dlq.max.value.bytes"),
                s.integer("metrics.port"),
                Path.of(s.string("state.dir")),
                s.integer("num.stream.threads"),
                s.string("processing.guarantee"),
                s.bool("topics.create"),
                s.integer("topics.partitions"),
                (short) s.integer("topics.replication"),
                s.integer("scoring.max-attempts"),
                s.integer("health.max-thread-replacements"),
                s.integer("health.window.seconds"),
                registry,
                outputFormat,
                s.kafka(OWNED_KAFKA_KEYS));
    }

    /** The per-source rule's k: an alert needs k anomalies among the source's last n events. */
    public int alertPerSourceK() {
        return alertPerSource.k();
    }

    /** The per-source rule's n: the window, in events, that each source's k anomalies fit in. */
    public int alertPerSourceN() {
        return alertPerSource.n();
    }

    /**
     * The batching topic when {@code batching.partitions > 0}: {@code <application.id>-batching}.
     */
    public String batchingTopic() {
        return applicationId + "-batching";
    }

    /** Wall-clock interval of the batching punctuation: often enough to honour the delay. */
    public long batchPunctuationMs() {
        return Math.max(5, batchMaxDelayMs / 4);
    }

    /** The Kafka Streams configuration: the kafka.* pass-through plus the settings owned here. */
    public Properties streamsProperties() {
        Properties p = clientProperties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.toString(numStreamThreads));
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, processingGuarantee);
        // An idle stream thread blocks in poll for poll.ms before it punctuates: at most the
        // punctuation interval, so that a due batch is scored, and a pipelined batch emitted, on
        // time. Never longer than Kafka's 100 ms: an open transaction waits for the poll, and one
        // left open past transaction.timeout.ms gets the producer fenced (kafka.poll.ms overrides).
        p.putIfAbsent(
                StreamsConfig.POLL_MS_CONFIG,
                Long.toString(Math.min(batchPunctuationMs(), KAFKA_POLL_MS)));
        // Set explicitly, since what the app writes is sized against them (RecordLimits).
        p.put(
                StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG),
                Integer.toString(producerMaxRequestSize()));
        p.put(
                StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG),
                producerSetting(ProducerConfig.COMPRESSION_TYPE_CONFIG, DEFAULT_COMPRESSION));
        // the changelogs Streams creates take every record the producer may send: a pending
        // batch's event with its pixels, which under exactly-once a smaller limit would refuse,
        // aborting the transaction forever (kafka.topic.max.message.bytes overrides)
        p.putIfAbsent(
                StreamsConfig.topicPrefix(TopicConfig.MAX_MESSAGE_BYTES_CONFIG),
                Integer.toString(producerMaxRequestSize()));
        if (exactlyOnce()) {
            p.put(
                    StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG),
                    Long.toString(transactionTimeout().toMillis()));
        }
        return p;
    }

    public boolean exactlyOnce() {
        return StreamsConfig.EXACTLY_ONCE_V2.equals(processingGuarantee);
    }

    /**
     * The producer's {@code transaction.timeout.ms} under exactly-once: {@code
     * kafka.producer.transaction.timeout.ms}, else {@code kafka.transaction.timeout.ms}, else
     * 60000.
     */
    public Duration transactionTimeout() {
        String key = ProducerConfig.TRANSACTION_TIMEOUT_CONFIG;
        return positiveMillis(
                "kafka.producer." + key,
                producerSetting(key, Integer.toString(DEFAULT_TRANSACTION_TIMEOUT_MS)));
    }

    /**
     * The stream threads' consumers' {@code max.poll.interval.ms}: {@code
     * kafka.main.consumer.max.poll.interval.ms}, else {@code kafka.consumer.…}, else {@code
     * kafka.max.poll.interval.ms}, else 300000.
     */
    public Duration maxPollInterval() {
        String key = ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG;
        return positiveMillis(
                "kafka.consumer." + key,
                kafka.getOrDefault(
                        StreamsConfig.mainConsumerPrefix(key),
                        kafka.getOrDefault(
                                StreamsConfig.consumerPrefix(key),
                                kafka.getOrDefault(
                                        key, Integer.toString(DEFAULT_MAX_POLL_INTERVAL_MS)))));
    }

    private static Duration positiveMillis(String key, String value) {
        try {
            int ms = Integer.parseInt(value.trim());
            if (ms > 0) {
                return Duration.ofMillis(ms);
            }
        } catch (NumberFormatException e) {
            // reported below, naming the key
        }
        throw new InvalidConfigException(
                key + "='" + value + "': must be a positive whole number of milliseconds");
    }

    /**
     * The producer's {@code max.request.size}: {@code kafka.producer.max.request.size}, else {@code
     * kafka.max.request.size}, else 1048576.
     */
    public int producerMaxRequestSize() {
        String v =
                producerSetting(
                        ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                        Integer.toString(DEFAULT_MAX_REQUEST_SIZE));
        try {
            int n = Integer.parseInt(v.trim());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below, naming the key
        }
        throw new InvalidConfigException(
                "kafka.producer.max.request.size (or kafka.max.request.size)='"
                        + v
                        + "': must be a positive whole number");
    }

    private String producerSetting(String key, String otherwise) {
        return kafka.getOrDefault(
                StreamsConfig.producerPrefix(key), kafka.getOrDefault(key, otherwise));
    }

    /**
     * The configuration of a plain client (the Admin creating topics): pass-through and brokers.
     * Its toString hides passwords, as the record's does.
     */
    public Properties clientProperties() {
        Properties p = Redacted.properties();
        p.putAll(kafka);
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return p;
    }

    /**
     * The configuration of a plain producer of this app's records (the dead-letter replay): as
     * {@link #clientProperties()}, with the {@code kafka.producer.*} keys in place of the plain
     * ones they prefix, the others' prefixed keys left out, and the size and compression the
     * streams' producer has.
     */
    public Properties producerProperties() {
        Properties p = plainClient(StreamsConfig.PRODUCER_PREFIX);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(producerMaxRequestSize()));
        p.put(
                ProducerConfig.COMPRESSION_TYPE_CONFIG,
                producerSetting(ProducerConfig.COMPRESSION_TYPE_CONFIG, DEFAULT_COMPRESSION));
        return p;
    }

    /** The configuration of a plain consumer: {@code kafka.consumer.*} as above. */
    public Properties consumerProperties() {
        return plainClient(StreamsConfig.CONSUMER_PREFIX);
    }

    private Properties plainClient(String prefix) {
        Properties p = Redacted.properties();
        kafka.forEach(
                (key, value) -> {
                    // Kafka Streams' own group protocol ("streams") is no plain consumer's
                    if (CLIENT_PREFIXES.stream().noneMatch(key::startsWith)
                            && !key.equals(ConsumerConfig.GROUP_PROTOCOL_CONFIG)) {
                        p.put(key, value);
                    }
                });
        kafka.forEach(
                (key, value) -> {
                    if (key.startsWith(prefix)) {
                        p.put(key.substring(prefix.length()), value);
                    }
                });
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return p;
    }

    private static Optional<SchemaRegistrySettings> schemaRegistry(Settings s) {
        Optional<String> url = s.optional("schema.registry.url");
        if (url.isEmpty()) {
            return Optional.empty();
        }
        String username = "schema.registry.basic.auth.username";
        String password = "schema.registry.basic.auth.password";
        return Optional.of(
                s.combine(
                        () ->
                                new SchemaRegistrySettings(
                                        URI.create(url.get()),
                                        s.optional(username),
                                        s.optional(password),
                                        trustStore(s),
                                        millis(s, "schema.registry.request.timeout.ms"),
                                        millis(s, "schema.registry.retry.max.ms"),
                                        s.integer("schema.registry.cache.size"),
                                        millis(s, "schema.registry.negative.cache.ms")),
                        username,
                        password));
    }

    private static Optional<SchemaRegistrySettings.TrustStore> trustStore(Settings s) {
        return s.optional("schema.registry.ssl.truststore.location")
                .map(
                        location ->
                                new SchemaRegistrySettings.TrustStore(
                                        Path.of(location),
                                        s.optional("schema.registry.ssl.truststore.password"),
                                        s.string("schema.registry.ssl.truststore.type")));
    }

    private static Duration millis(Settings s, String key) {
        return Duration.ofMillis(s.integer(key));
    }
}
