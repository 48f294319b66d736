package dev.flowwatch.streams.config;

import dev.flowwatch.flowpp.score.ScoreKind;
import dev.flowwatch.schemas.SchemaRegistrySettings;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * The settings of the streams app, read once at start and validated so that a bad or missing
 * setting fails with a message naming its key.
 *
 * <p>Keys (defaults in brackets):
 *
 * <ul>
 *   <li>{@code bootstrap.servers} (required) Kafka brokers, host:port[,host:port...]
 *   <li>{@code application.id} [flowwatch] Kafka Streams application id: consumer group, prefix of
 *       internal topics and of the batching topic
 *   <li>{@code topic.images} [images], {@code topic.scores} [anomaly-scores], {@code topic.alerts}
 *       [anomaly-alerts], {@code topic.dlq} [images.dlq]
 *   <li>{@code model.dir} (required) directory of the model bundle
 *   <li>{@code device} [auto] auto, cpu, gpu or gpu:N
 *   <li>{@code batch.max.size} [64] (1..1024) a batch is scored as soon as this many events are
 *       pending
 *   <li>{@code batch.max.delay.ms} [50] ... or when the oldest pending event waited this long
 *       (wall-clock)
 *   <li>{@code batching.partitions} [0] 0 batches per input partition; N &gt; 0 first routes valid
 *       events through the topic {@code <application.id>-batching} with N partitions, so that few
 *       batching tasks each see many events when the input topic has many partitions
 *   <li>{@code iw.samples} [0] importance samples for the IW bound; 0 skips it
 *   <li>{@code score.kind} [bpd] the score decisions are taken on: bpd (negative ELBO, bits/dim),
 *       bpd_iw (the importance-weighted bound; needs {@code iw.samples} &gt; 0) or complexity
 *       (bits/dim minus the image's PNG/deflate complexity, Serrà et al. 2020)
 *   <li>{@code alert.target-false-alarm-rate} [0.01] α, in (0, 1): when the bundle holds a
 *       calibration ({@code calibration.json}) of {@code score.kind}, every score gets a conformal
 *       p-value and an event is an anomaly when p &lt; α, which keeps the false-alarm rate on
 *       normal images at most α
 *   <li>{@code alert.per-source.k} [1] and {@code alert.per-source.n} [1], 1 &le; k &le; n &le; 64:
 *       an anomaly raises an alert only when at least k of the last n events of its source were
 *       anomalous, and the source's window then starts afresh; 1 of 1 (the default) alerts on every
 *       anomaly
 *   <li>{@code typicality.window} [0] M &gt; 1 turns on the typicality test over each source's last
 *       M events (needs a bpd calibration); 0 leaves it off
 *   <li>{@code threshold.bpd} (required only for score.kind bpd on an uncalibrated bundle) an event
 *       whose bits/dim exceed this is an anomaly; ignored when the bundle is calibrated for bpd
 *   <li>{@code max.payload.bytes} [983040] records with a larger value go to the dead-letter
 *       topic; with the decoded pixels and 32 KiB for key, headers and framing it must fit the
 *       producer's {@code max.request.size}
 *   <li>{@code dlq.max.value.bytes} [983040] a dead letter carries at most this many bytes of the
 *       original value, and the whole value's size and SHA-256 in headers when it is cut; with 32
 *       KiB for key, headers and framing it must fit the producer's {@code max.request.size}
 *   <li>{@code metrics.port} [9400] port of /metrics, /healthz and /ready; 0 picks a free one
 *   <li>{@code state.dir} [${java.io.tmpdir}/flowwatch-streams] Kafka Streams state directory
 *   <li>{@code num.stream.threads} [1]
 *   <li>{@code processing.guarantee} [exactly_once_v2] or at_least_once
 *   <li>{@code topics.create} [true] create missing topics at start, with {@code topics.partitions}
 *       [1] partitions and replication {@code topics.replication} [1]; false waits until they
 *       exist (so does true while the brokers cannot be reached)
 *   <li>{@code scoring.max-attempts} [3] (1..100) forward passes an event that fails to score gets
 *       (after its batch was split down to it) before it goes to the dead-letter topic as
 *       SCORING_FAILED; failures that a known-good image shares are not the event's and stop the
 *       client instead
 *   <li>{@code health.max-thread-replacements} [5] and {@code health.window.seconds} [600]: /healthz
 *       answers 503 once stream threads were replaced this many times within the window, so that
 *       the orchestrator restarts a pod whose threads keep dying
 *   <li>{@code schema.registry.url} (none) a schema registry's Confluent-compatible base URL
 *       ({@code http://host:8081} for Confluent or Karapace, {@code
 *       http://host:8080/apis/ccompat/v7} for Apicurio, whose {@code /apis/registry/v2} URL works
 *       too): images in a registry's framing are read with their writer schema from it; without one
 *       only Avro single-object encoding is read
 *   <li>{@code schema.registry.basic.auth.username} and {@code schema.registry.basic.auth.password}
 *       (none) HTTP basic authentication, both or neither
 *   <li>{@code schema.registry.ssl.truststore.location}, {@code
 *       schema.registry.ssl.truststore.password} (none) and {@code
 *       schema.registry.ssl.truststore.type} [PKCS12] the certificates an https registry is trusted
 *       by, when the JVM's own do not vouch for it
 *   <li>{@code schema.registry.request.timeout.ms} [2000] the longest one request may take
 *   <li>{@code schema.registry.retry.max.ms} [5000] how long a look-up retries an unreachable
 *       registry or one answering 5xx before it fails the task (never a dead letter: the task reads
 *       the record again when restarted); kept below Kafka Streams' transaction timeout
 *   <li>{@code schema.registry.cache.size} [1000] schemas kept (ids never change, so without
 *       expiry), and as many ids the registry did not know
 *   <li>{@code schema.registry.negative.cache.ms} [5000] how long an id the registry did not know
 *       is answered as unknown without asking again
 *   <li>{@code output.format} [single-object] single-object, or registry: scores and alerts in the
 *       Confluent frame of the schemas registered (or, where registering is forbidden, looked up)
 *       at start under {@code <topic.scores>-value} and {@code <topic.alerts>-value}; needs {@code
 *       schema.registry.url}
 *   <li>{@code kafka.*} passed to every Kafka client with the prefix stripped, e.g. {@code
 *       kafka.security.protocol=SASL_SSL}; the producer's {@code max.request.size} [1048576, the
 *       broker's default max.message.bytes] and {@code compression.type} [lz4] are set explicitly
 *       unless given here ({@code kafka.producer.max.request.size} or {@code
 *       kafka.max.request.size})
 * </ul>
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
        int batchMaxSize,
        long batchMaxDelayMs,
        int batchingPartitions,
        int iwSamples,
        ScoreKind scoreKind,
        double alertTargetFalseAlarmRate,
        int alertPerSourceK,
        int alertPerSourceN,
        int typicalityWindow,
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

    /** Largest typicality window: each source keeps this many doubles in the store. */
    public static final int MAX_TYPICALITY_WINDOW = 1000;

    public static final String KAFKA_PREFIX = "kafka.";

    private static final String REGISTRY = "schema.registry.";

    /** Kafka's default, and what the broker's default max.message.bytes lets through. */
    private static final int DEFAULT_MAX_REQUEST_SIZE = 1_048_576;

    private static final String DEFAULT_COMPRESSION = "lz4";

    private static final Map<String, String> DEFAULTS = defaults();

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

    private static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("bootstrap.servers", null);
        d.put("application.id", "flowwatch");
        d.put("topic.images", "images");
        d.put("topic.scores", "anomaly-scores");
        d.put("topic.alerts", "anomaly-alerts");
        d.put("topic.dlq", "images.dlq");
        d.put("model.dir", null);
        d.put("device", "auto");
        d.put("batch.max.size", "64");
        d.put("batch.max.delay.ms", "50");
        d.put("batching.partitions", "0");
        d.put("iw.samples", "0");
        d.put("score.kind", ScoreKind.BPD.id());
        d.put("alert.target-false-alarm-rate", "0.01");
        d.put("alert.per-source.k", "1");
        d.put("alert.per-source.n", "1");
        d.put("typicality.window", "0");
        d.put("threshold.bpd", null);
        // 1 MiB less room for decoded pixels and the record envelope (RecordLimits)
        d.put("max.payload.bytes", "983040");
        d.put("dlq.max.value.bytes", "983040");
        d.put("metrics.port", "9400");
        d.put(
                "state.dir",
                Path.of(System.getProperty("java.io.tmpdir"), "flowwatch-streams").toString());
        d.put("num.stream.threads", "1");
        d.put("processing.guarantee", StreamsConfig.EXACTLY_ONCE_V2);
        d.put("topics.create", "true");
        d.put("topics.partitions", "1");
        d.put("topics.replication", "1");
        d.put("scoring.max-attempts", "3");
        d.put("health.max-thread-replacements", "5");
        d.put("health.window.seconds", "600");
        d.put(REGISTRY + "url", null);
        d.put(REGISTRY + "basic.auth.username", null);
        d.put(REGISTRY + "basic.auth.password", null);
        d.put(REGISTRY + "ssl.truststore.location", null);
        d.put(REGISTRY + "ssl.truststore.password", null);
        d.put(REGISTRY + "ssl.truststore.type", "PKCS12");
        d.put(
                REGISTRY + "request.timeout.ms",
                millis(SchemaRegistrySettings.DEFAULT_REQUEST_TIMEOUT));
        d.put(REGISTRY + "retry.max.ms", millis(SchemaRegistrySettings.DEFAULT_RETRY_BUDGET));
        d.put(REGISTRY + "cache.size", Integer.toString(SchemaRegistrySettings.DEFAULT_CACHE_SIZE));
        d.put(
                REGISTRY + "negative.cache.ms",
                millis(SchemaRegistrySettings.DEFAULT_UNKNOWN_ID_TTL));
        d.put("output.format", OutputFormat.SINGLE_OBJECT.id());
        return Collections.unmodifiableMap(d);
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
        Map<String, String> merged = new LinkedHashMap<>(DEFAULTS);
        if (propertiesFileOrNull != null) {
            putKnown(merged, readFile(propertiesFileOrNull), "in " + propertiesFileOrNull);
        }
        merged.putAll(fromEnvironment(environment));
        putKnown(merged, overrides, "given as an override");
        return fromMap(merged);
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
        // Set explicitly, since what the app writes is sized against them (RecordLimits).
        p.put(
                StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG),
                Integer.toString(producerMaxRequestSize()));
        p.put(
                StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG),
                producerSetting(ProducerConfig.COMPRESSION_TYPE_CONFIG, DEFAULT_COMPRESSION));
        return p;
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

    private static Map<String, String> readFile(Path file) {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (IOException e) {
            throw new InvalidConfigException("cannot read config file " + file + ": " + e);
        }
        Map<String, String> m = new LinkedHashMap<>();
        p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
        return m;
    }

    private static void putKnown(
            Map<String, String> target, Map<String, String> source, String where) {
        source.forEach(
                (key, value) -> {
                    if (!DEFAULTS.containsKey(key) && !key.startsWith(KAFKA_PREFIX)) {
                        throw new InvalidConfigException("unknown setting '" + key + "' " + where);
                    }
                    target.put(key, value);
                });
    }

    private static Map<String, String> fromEnvironment(Map<String, String> environment) {
        Map<String, String> m = new LinkedHashMap<>();
        environment.forEach(
                (name, value) -> {
                    if (name.startsWith(ENV_PREFIX) && name.length() > ENV_PREFIX.length()) {
                        String key =
                                name.substring(ENV_PREFIX.length())
                                        .toLowerCase(Locale.ROOT)
                                        .replace('_', '.');
                        if (DEFAULTS.containsKey(key) || key.startsWith(KAFKA_PREFIX)) {
                            m.put(key, value);
                        }
                    }
                });
        return m;
    }

    private static AppConfig fromMap(Map<String, String> m) {
        Map<String, String> kafka = new TreeMap<>();
        m.forEach(
                (key, value) -> {
                    if (key.startsWith(KAFKA_PREFIX)) {
                        String kafkaKey = key.substring(KAFKA_PREFIX.length());
                        if (kafkaKey.isEmpty()) {
                            throw new InvalidConfigException(
                                    "setting '" + key + "' has no Kafka key after the prefix");
                        }
                        if (OWNED_KAFKA_KEYS.contains(kafkaKey)) {
                            throw new InvalidConfigException(
                                    "setting '"
                                            + key
                                            + "': set '"
                                            + kafkaKey
                                            + "' directly, without the kafka. prefix");
                        }
                        kafka.put(kafkaKey, value);
                    }
                });
        String guarantee = string(m, "processing.guarantee");
        if (!guarantee.equals(StreamsConfig.EXACTLY_ONCE_V2)
                && !guarantee.equals(StreamsConfig.AT_LEAST_ONCE)) {
            throw new InvalidConfigException(
                    "processing.guarantee='"
                            + guarantee
                            + "': expected "
                            + StreamsConfig.EXACTLY_ONCE_V2
                            + " or "
                            + StreamsConfig.AT_LEAST_ONCE);
        }
        OptionalDouble threshold = OptionalDouble.empty();
        if (m.get("threshold.bpd") != null && !m.get("threshold.bpd").isBlank()) {
            threshold = OptionalDouble.of(number(m, "threshold.bpd"));
            if (!Double.isFinite(threshold.getAsDouble())) {
                throw new InvalidConfigException(
                        "threshold.bpd='" + m.get("threshold.bpd") + "': must be a finite number");
            }
        }
        ScoreKind scoreKind;
        try {
            scoreKind = ScoreKind.parse(string(m, "score.kind"));
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException("score.kind: " + e.getMessage());
        }
        int iwSamples = integer(m, "iw.samples", 0, 10_000);
        if (scoreKind == ScoreKind.BPD_IW && iwSamples == 0) {
            throw new InvalidConfigException("score.kind=bpd_iw needs iw.samples > 0");
        }
        double alpha = number(m, "alert.target-false-alarm-rate");
        if (!(alpha > 0 && alpha < 1)) {
            throw new InvalidConfigException(
                    "alert.target-false-alarm-rate='"
                            + m.get("alert.target-false-alarm-rate")
                            + "': must lie strictly between 0 and 1");
        }
        // the alerting step keeps each source's window in one 64-bit mask
        int windowK = integer(m, "alert.per-source.k", 1, Long.SIZE);
        int windowN = integer(m, "alert.per-source.n", 1, Long.SIZE);
        if (windowK > windowN) {
            throw new InvalidConfigException(
                    "alert.per-source.k="
                            + windowK
                            + " exceeds alert.per-source.n="
                            + windowN
                            + ": k anomalies must fit in the last n events");
        }
        int typicalityWindow = integer(m, "typicality.window", 0, MAX_TYPICALITY_WINDOW);
        if (typicalityWindow == 1) {
            throw new InvalidConfigException(
                    "typicality.window=1: a window needs at least 2 events (0 turns the test off)");
        }
        String device = string(m, "device").toLowerCase(Locale.ROOT);
        if (!device.matches("auto|cpu|gpu(:\\d+)?")) {
            throw new InvalidConfigException(
                    "device='" + device + "': expected auto, cpu, gpu or gpu:N");
        }
        int replication = integer(m, "topics.replication", 1, Short.MAX_VALUE);
        Optional<SchemaRegistrySettings> registry = schemaRegistry(m);
        OutputFormat outputFormat = OutputFormat.parse(string(m, "output.format"));
        if (outputFormat == OutputFormat.REGISTRY && registry.isEmpty()) {
            throw new InvalidConfigException("output.format=registry needs schema.registry.url");
        }
        return new AppConfig(
                string(m, "bootstrap.servers"),
                string(m, "application.id"),
                string(m, "topic.images"),
                string(m, "topic.scores"),
                string(m, "topic.alerts"),
                string(m, "topic.dlq"),
                Path.of(string(m, "model.dir")),
                device,
                integer(m, "batch.max.size", 1, 1024),
                integer(m, "batch.max.delay.ms", 1, Integer.MAX_VALUE),
                integer(m, "batching.partitions", 0, 100_000),
                iwSamples,
                scoreKind,
                alpha,
                windowK,
                windowN,
                typicalityWindow,
                threshold,
                integer(m, "max.payload.bytes", 1, Integer.MAX_VALUE),
                integer(m, "dlq.max.value.bytes", 1, Integer.MAX_VALUE),
                integer(m, "metrics.port", 0, 65535),
                Path.of(string(m, "state.dir")),
                integer(m, "num.stream.threads", 1, 1024),
                guarantee,
                bool(m, "topics.create"),
                integer(m, "topics.partitions", 1, 100_000),
                (short) replication,
                integer(m, "scoring.max-attempts", 1, 100),
                integer(m, "health.max-thread-replacements", 1, 1_000_000),
                integer(m, "health.window.seconds", 1, 86_400 * 7),
                registry,
                outputFormat,
                kafka);
    }

    private static Optional<SchemaRegistrySettings> schemaRegistry(Map<String, String> m) {
        Optional<String> url = optional(m, REGISTRY + "url");
        if (url.isEmpty()) {
            return Optional.empty();
        }
        URI uri;
        try {
            uri = new URI(url.get());
        } catch (URISyntaxException e) {
            throw new InvalidConfigException(
                    REGISTRY + "url='" + url.get() + "': not a URL (" + e.getMessage() + ")");
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
            throw new InvalidConfigException(
                    REGISTRY + "url='" + url.get() + "': expected an http:// or https:// URL");
        }
        Optional<String> username = optional(m, REGISTRY + "basic.auth.username");
        Optional<String> password = optional(m, REGISTRY + "basic.auth.password");
        if (username.isPresent() != password.isPresent()) {
            throw new InvalidConfigException(
                    REGISTRY
                            + "basic.auth.username and "
                            + REGISTRY
                            + "basic.auth.password: set both or neither");
        }
        Optional<SchemaRegistrySettings.TrustStore> trustStore =
                optional(m, REGISTRY + "ssl.truststore.location")
                        .map(
                                location ->
                                        new SchemaRegistrySettings.TrustStore(
                                                Path.of(location),
                                                optional(m, REGISTRY + "ssl.truststore.password"),
                                                string(m, REGISTRY + "ssl.truststore.type")));
        return Optional.of(
                new SchemaRegistrySettings(
                        uri,
                        username,
                        password,
                        trustStore,
                        millis(m, REGISTRY + "request.timeout.ms"),
                        millis(m, REGISTRY + "retry.max.ms"),
                        integer(m, REGISTRY + "cache.size", 1, 1_000_000),
                        millis(m, REGISTRY + "negative.cache.ms")));
    }

    private static String millis(Duration d) {
        return Long.toString(d.toMillis());
    }

    private static Duration millis(Map<String, String> m, String key) {
        return Duration.ofMillis(integer(m, key, 1, Integer.MAX_VALUE));
    }

    /** A setting without default that may be left out. */
    private static Optional<String> optional(Map<String, String> m, String key) {
        String v = m.get(key);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
    }

    private static String string(Map<String, String> m, String key) {
        String v = m.get(key);
        if (v == null || v.isBlank()) {
            throw new InvalidConfigException(
                    "missing required setting '"
                            + key
                            + "' (set it in the config file, as "
                            + ENV_PREFIX
                            + key.toUpperCase(Locale.ROOT).replace('.', '_')
                            + " or with -D"
                            + key
                            + "=...)");
        }
        return v.trim();
    }

    private static int integer(Map<String, String> m, String key, int min, int max) {
        String v = string(m, key);
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new InvalidConfigException(key + "='" + v + "': not a whole number");
        }
        if (n < min || n > max) {
            throw new InvalidConfigException(
                    key + "='" + v + "': must be between " + min + " and " + max);
        }
        return n;
    }

    private static double number(Map<String, String> m, String key) {
        String v = string(m, key);
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new InvalidConfigException(key + "='" + v + "': not a number");
        }
    }

    private static boolean bool(Map<String, String> m, String key) {
        String v = string(m, key).toLowerCase(Locale.ROOT);
        if (!v.equals("true") && !v.equals("false")) {
            throw new InvalidConfigException(key + "='" + v + "': expected true or false");
        }
        return v.equals("true");
    }
}
