package dev.flowwatch.streams.config;

import static org.apache.kafka.common.config.ConfigDef.Importance.HIGH;
import static org.apache.kafka.common.config.ConfigDef.Importance.LOW;
import static org.apache.kafka.common.config.ConfigDef.Importance.MEDIUM;
import static org.apache.kafka.common.config.ConfigDef.NO_DEFAULT_VALUE;

import dev.flowwatch.flowpp.score.ScoreKind;
import dev.flowwatch.schemas.SchemaRegistrySettings;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.streams.StreamsConfig;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Every setting of the streams app, declared once, as Kafka's {@code StreamsConfig} declares its
 * own: key, type, default, what is allowed, importance, meaning. {@link AppConfig} parses and
 * validates with this table; the README's configuration table and the comments of {@code
 * k8s/base/flowwatch.properties} are rendered from it (ConfigDocsTest fails when they drift). A
 * new key is one line here plus its use in {@link AppConfig}.
 *
 * <p>A default of {@code null} makes a key optional; {@link ConfigDef#NO_DEFAULT_VALUE} makes it
 * required. Settings that span keys (k &le; n, bpd_iw needs iw.samples) are checked where the
 * value they build is made.
 */
final class AppSettings {

    static final ConfigDef DEFINITION =
            new ConfigDef()
                    .define("bootstrap.servers", Type.STRING, NO_DEFAULT_VALUE, null, HIGH,
                            "Kafka brokers, host:port[,host:port...]")
                    .define("model.dir", Type.STRING, NO_DEFAULT_VALUE, null, HIGH,
                            "directory of the model bundle; a new model is a new directory")
                    .define("score.kind", Type.STRING, ScoreKind.BPD.id(),
                            Allowed.parsedBy(
                                    ScoreKind::parse, ids(ScoreKind.values(), ScoreKind::id)),
                            HIGH,
                            "the score decisions are taken on: bpd (negative ELBO, bits/dim),"
                                    + " bpd_iw (the importance-weighted bound; needs iw.samples >"
                                    + " 0), complexity (bits/dim minus the image's PNG/deflate"
                                    + " complexity, Serrà et al. 2020), likelihood_ratio (needs a"
                                    + " background model in the bundle) or dose (how atypical the"
                                    + " ELBO's per-scale terms, the complexity and the"
                                    + " bits/dim less it, the image's sharpness, intensity"
                                    + " range and layout are together, under a kernel density,"
                                    + " how far its edges lie from those of the nearest normal"
                                    + " images, how much nearer a blend of two normal images'"
                                    + " lies, how faint its outline is against its body and,"
                                    + " with the bundle's orientation network, how"
                                    + " far from upright it looks; fitted by flowpp-trainer"
                                    + " calibrate, so it needs the bundle's calibration)")
                    .define("alert.target-false-alarm-rate", Type.DOUBLE, 0.01,
                            Allowed.strictlyBetweenZeroAndOne(), HIGH,
                            "α: when the bundle holds a calibration (calibration.json) of"
                                    + " score.kind, every score gets a conformal p-value and an"
                                    + " event is an anomaly when p < α, which keeps the"
                                    + " false-alarm rate on normal images at most α")
                    .define("threshold.bpd", Type.DOUBLE, null, Allowed.finite(), HIGH,
                            "an event whose bits/dim exceed this is an anomaly; required only for"
                                    + " score.kind bpd on an uncalibrated bundle, ignored when the"
                                    + " bundle is calibrated for bpd")
                    .define("alert.per-source.k", Type.INT, 1, null, MEDIUM,
                            "with alert.per-source.n, 1 <= k <= n <= " + PerSourceRule.MAX_WINDOW
                                    + ": an anomaly raises an alert only when at least k of the"
                                    + " last n events of its source were anomalous, and the"
                                    + " source's window then starts afresh; 1 of 1 alerts on every"
                                    + " anomaly")
                    .define("alert.per-source.n", Type.INT, 1, null, MEDIUM,
                            "the window of the per-source rule, in events (see"
                                    + " alert.per-source.k)")
                    .define("typicality.window", Type.INT, 0,
                            Allowed.offOrBetween(2, AppConfig.MAX_TYPICALITY_WINDOW), MEDIUM,
                            "M turns on the typicality test over each source's last M events"
                                    + " (needs a bpd calibration); 0 leaves it off")
                    .define("source.window.expiry.minutes", Type.INT, 1440,
                            Allowed.between(0, 527_040), MEDIUM,
                            "the per-source rule's and the typicality test's window of a source"
                                    + " that sent nothing for this long (in event time) is"
                                    + " forgotten; 0 keeps every window until it alerts")
                    .define("iw.samples", Type.INT, 0, Allowed.between(0, 10_000), MEDIUM,
                            "importance samples for the importance-weighted bound; 0 skips it")
                    .define("application.id", Type.STRING, "flowwatch", null, HIGH,
                            "Kafka Streams application id: consumer group, prefix of internal"
                                    + " topics and of the batching topic")
                    .define("topic.images", Type.STRING, "images", null, HIGH,
                            "input topic of the images to score")
                    .define("topic.scores", Type.STRING, "anomaly-scores", null, HIGH,
                            "output topic of every event's score")
                    .define("topic.alerts", Type.STRING, "anomaly-alerts", null, HIGH,
                            "output topic of the alerts")
                    .define("topic.dlq", Type.STRING, "images.dlq", null, HIGH,
                            "dead-letter topic: events that cannot be decoded, validated or"
                                    + " scored, with the reason in headers")
                    .define("device", Type.STRING, "auto",
                            Allowed.matching("auto|cpu|gpu(:\\d+)?", "auto, cpu, gpu or gpu:N"),
                            MEDIUM, "where the model runs")
                    .define("model.concurrent.passes", Type.INT, 2, Allowed.between(1, 64),
                            MEDIUM,
                            "forward passes of the model that may run at once, each on the thread"
                                    + " of its batch (several tasks' scoring threads, or several"
                                    + " stream threads); 1 runs one at a time. On two cores two"
                                    + " passes drained 1.5 times the events of one (README,"
                                    + " Results: streaming); each pass in flight holds its batch's"
                                    + " activations")
                    .define("batch.max.size", Type.INT, 64, Allowed.between(1, 1024), MEDIUM,
                            "a batch is scored as soon as this many events are pending")
                    .define("batch.max.delay.ms", Type.INT, 50, Allowed.positive(), MEDIUM,
                            "a batch is also scored once its oldest pending event waited this"
                                    + " long (wall-clock)")
                    .define("batch.pipelined", Type.BOOLEAN, true, null, MEDIUM,
                            "true scores a batch on a thread of its own while the stream thread"
                                    + " decodes and stores the next (per task, one batch scored"
                                    + " and a full one queued at most); false scores on the stream"
                                    + " thread, which on a GPU host with several stream threads"
                                    + " measured faster (README, Results on an H200)")
                    .define("batching.partitions", Type.INT, 0, Allowed.between(0, 100_000), LOW,
                            "0 batches per input partition; N > 0 first routes valid events"
                                    + " through the topic <application.id>-batching with N"
                                    + " partitions, so that few batching tasks each see many"
                                    + " events when the input topic has many partitions")
                    .define("max.payload.bytes", Type.INT, 983_040, Allowed.positive(), LOW,
                            "records with a larger value are OVERSIZE_PAYLOAD dead letters; with"
                                    + " the decoded pixels and 32 KiB for key, headers and framing"
                                    + " it must fit the producer's max.request.size, else the start"
                                    + " fails naming both")
                    .define("dlq.max.value.bytes", Type.INT, 983_040, Allowed.positive(), LOW,
                            "a dead letter carries at most this many bytes of the original value,"
                                    + " and the whole value's size and SHA-256 in headers when it"
                                    + " is cut; with 32 KiB for key, headers and framing it must"
                                    + " fit the producer's max.request.size")
                    .define("metrics.port", Type.INT, 9400, Allowed.between(0, 65535), MEDIUM,
                            "port of /metrics, /healthz and /ready; 0 picks a free one")
                    .define("state.dir", Type.STRING,
                            Path.of(System.getProperty("java.io.tmpdir"), "flowwatch-streams")
                                    .toString(),
                            null, MEDIUM, "Kafka Streams state directory")
                    .define("num.stream.threads", Type.INT, 1,
                            Allowed.between(1, 1024), MEDIUM, "Kafka Streams threads")
                    .define("processing.guarantee", Type.STRING,
                            StreamsConfig.EXACTLY_ONCE_V2,
                            Allowed.oneOf(
                                    StreamsConfig.EXACTLY_ONCE_V2, StreamsConfig.AT_LEAST_ONCE),
                            MEDIUM, "Kafka Streams processing guarantee")
                    .define("topics.create", Type.BOOLEAN, true, null, MEDIUM,
                            "create missing topics at start, with topics.partitions partitions"
                                    + " and topics.replication replicas; false waits until they"
                                    + " exist (so does true while the brokers cannot be reached)")
                    .define("topics.partitions", Type.INT, 1, Allowed.between(1, 100_000), MEDIUM,
                            "partitions of the topics the app creates")
                    .define("topics.replication", Type.INT, 1,
                            Allowed.between(1, Short.MAX_VALUE), MEDIUM,
                            "replication factor of the topics the app creates")
                    .define("scoring.max-attempts", Type.INT, 3, Allowed.between(1, 100), LOW,
                            "forward passes an event that fails to score gets (after its batch"
                                    + " was split down to it) before it goes to the dead-letter"
                                    + " topic as SCORING_FAILED, and passes in which the process"
                                    + " died with it (at least one with the event alone); failures"
                                    + " that a known-good image"
                                    + " shares are not the event's and stop the client instead")
                    .define("health.max-thread-replacements", Type.INT, 5,
                            Allowed.between(1, 1_000_000), LOW,
                            "/healthz answers 503 once stream threads were replaced this many"
                                    + " times within health.window.seconds, so that the"
                                    + " orchestrator restarts a pod whose threads keep dying")
                    .define("health.window.seconds", Type.INT, 600,
                            Allowed.between(1, 7 * 86_400), LOW,
                            "the window of health.max-thread-replacements")
                    .define("schema.registry.url", Type.STRING, null, Allowed.httpUrl(), MEDIUM,
                            "a schema registry's Confluent-compatible base URL (http://host:8081"
                                    + " for Confluent or Karapace,"
                                    + " http://host:8080/apis/ccompat/v7 for Apicurio, whose"
                                    + " /apis/registry/v2 URL works too): images in a registry's"
                                    + " framing are read with their writer schema from it; without"
                                    + " one only Avro single-object encoding is read")
                    .define("schema.registry.basic.auth.username", Type.STRING, null, null, MEDIUM,
                            "HTTP basic authentication with the registry, with"
                                    + " schema.registry.basic.auth.password: both or neither")
                    .define("schema.registry.basic.auth.password", Type.PASSWORD, null, null,
                            MEDIUM,
                            "the password of schema.registry.basic.auth.username")
                    .define("schema.registry.ssl.truststore.location", Type.STRING, null, null, LOW,
                            "a trust store with the certificates an https registry is trusted by,"
                                    + " when the JVM's own do not vouch for it")
                    .define("schema.registry.ssl.truststore.password", Type.PASSWORD, null, null,
                            LOW,
                            "the password of schema.registry.ssl.truststore.location")
                    .define("schema.registry.ssl.truststore.type", Type.STRING, "PKCS12", null, LOW,
                            "the type of schema.registry.ssl.truststore.location")
                    .define("schema.registry.request.timeout.ms", Type.INT,
                            millis(SchemaRegistrySettings.DEFAULT_REQUEST_TIMEOUT),
                            Allowed.positive(), LOW,
                            "the longest one request to the registry may take")
                    .define("schema.registry.retry.max.ms", Type.INT,
                            millis(SchemaRegistrySettings.DEFAULT_RETRY_BUDGET),
                            Allowed.positive(), LOW,
                            "how long a look-up retries an unreachable registry or one answering"
                                    + " 5xx before it fails the task (never a dead letter: the"
                                    + " task reads the record again when restarted); kept below"
                                    + " Kafka Streams' transaction timeout")
                    .define("schema.registry.cache.size", Type.INT,
                            SchemaRegistrySettings.DEFAULT_CACHE_SIZE,
                            Allowed.between(1, 1_000_000), LOW,
                            "schemas kept (ids never change, so without expiry), and as many ids"
                                    + " the registry did not know")
                    .define("schema.registry.negative.cache.ms", Type.INT,
                            millis(SchemaRegistrySettings.DEFAULT_UNKNOWN_ID_TTL),
                            Allowed.positive(), LOW,
                            "how long an id the registry did not know is answered as unknown"
                                    + " without asking again")
                    .define("output.format", Type.STRING, OutputFormat.SINGLE_OBJECT.id(),
                            Allowed.parsedBy(
                                    OutputFormat::parse,
                                    ids(OutputFormat.values(), OutputFormat::id)),
                            MEDIUM,
                            "single-object (Avro single-object encoding), or registry: scores"
                                    + " and alerts in the Confluent frame of the schemas registered"
                                    + " (or, where registering is forbidden, looked up) at start"
                                    + " under <topic.scores>-value and <topic.alerts>-value; needs"
                                    + " schema.registry.url");

    private AppSettings() {}

    private static int millis(Duration d) {
        return Math.toIntExact(d.toMillis());
    }

    private static <E> List<String> ids(E[] values, Function<E, String> id) {
        return Arrays.stream(values).map(id).toList();
    }
}
