package dev.flowwatch.streams.metrics;

import dev.flowwatch.flowpp.score.DoseModel;
import dev.flowwatch.schemas.SchemaRegistryClient;
import dev.flowwatch.schemas.Severity;
import dev.flowwatch.streams.topology.DlqReason;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;

import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * Every metric of the scoring pipeline, registered in one place on the registry given.
 *
 * <p>Classic histograms with fixed buckets, so that dashboards and alert rules can rely on the
 * bucket bounds. Thread-safe: all stream threads record here.
 */
public final class FlowwatchMetrics {

    /**
     * Sources with a series of their own in {@code flowwatch_alerts_by_source_total}, per instance.
     * A source is a string the producers choose: without a bound, a producer sending a new one per
     * image would create a series per image.
     */
    public static final int MAX_ALERT_SOURCES = 100;

    /** The source label of the alerts of every source past {@link #MAX_ALERT_SOURCES}. */
    public static final String OTHER_SOURCES = "other";

    /** From a small model's pass on a GPU (milliseconds) to a large one's on a CPU (seconds). */
    private static final double[] INFERENCE_BUCKETS = {
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60
    };

    private final Counter eventsIn;
    private final Counter eventsScored;
    private final Counter eventsInvalid;
    private final Counter deadLetterWriteFailures;
    private final Counter alerts;
    private final Counter alertsBySource;
    private final Counter alertsByPart;
    private final Counter alertsWithheld;
    private final Counter sourceWindowsExpired;
    private final Counter scoringFailures;
    private final Counter threadReplacements;
    private final Counter registryLookups;
    private final Counter registryCacheHits;
    private final Counter registryFailures;
    private final Set<String> alertSources = ConcurrentHashMap.newKeySet();
    private final Histogram batchSize;
    private final Histogram batchFillRatio;
    private final Histogram batchInferenceSeconds;
    private final Histogram engineLockWaitSeconds;
    private final Histogram engineForwardSeconds;
    private final Histogram endToEndLatencySeconds;
    private final Histogram scoreBitsPerDim;
    private final Info modelInfo;
    private final Gauge modelLoaded;
    private final PrometheusRegistry registry;

    public FlowwatchMetrics(PrometheusRegistry registry) {
        this.registry = registry;
        eventsIn =
                Counter.builder()
                        .name("flowwatch_events_in_total")
                        .help("Records read from the images topic, valid or not")
                        .register(registry);
        eventsScored =
                Counter.builder()
                        .name("flowwatch_events_scored_total")
                        .help("Events scored and emitted to the scores topic")
                        .register(registry);
        eventsInvalid =
                Counter.builder()
                        .name("flowwatch_events_invalid_total")
                        .help("Records sent to the dead-letter topic, by reason")
                        .labelNames("reason")
                        .register(registry);
        deadLetterWriteFailures =
                Counter.builder()
                        .name("flowwatch_dlq_write_failures_total")
                        .help(
                                "Dead letters skipped because the producer or broker refused them"
                                        + " for good (e.g. too large); the log names the record")
                        .register(registry);
        alerts =
                Counter.builder()
                        .name("flowwatch_alerts_total")
                        .help("Alerts emitted, by severity")
                        .labelNames("severity")
                        .register(registry);
        alertsBySource =
                Counter.builder()
                        .name("flowwatch_alerts_by_source_total")
                        .help(
                                "Alerts emitted, by the source of the image: the first "
                                        + MAX_ALERT_SOURCES
                                        + " sources seen, the others as '"
                                        + OTHER_SOURCES
                                        + "'")
                        .labelNames("source")
                        .register(registry);
        alertsByPart =
                Counter.builder()
                        .name("flowwatch_alerts_by_part_total")
                        .help(
                                "Alerts of score kind dose, by the part of the score that found the"
                                        + " image most atypical: density (its statistics"
                                        + " together), shape (edges far from every normal"
                                        + " image's), blend (between two normal shapes, as a mix"
                                        + " of two images), outline (faint against the body, as"
                                        + " where two images overlap), orientation (turned)")
                        .labelNames("part")
                        .register(registry);
        alertsWithheld =
                Counter.builder()
                        .name("flowwatch_alerts_withheld_total")
                        .help(
                                "Anomalous events that raised no alert because fewer than k of the"
                                        + " last n events of their source were anomalous"
                                        + " (alert.per-source.k/n)")
                        .register(registry);
        sourceWindowsExpired =
                Counter.builder()
                        .name("flowwatch_source_windows_expired_total")
                        .help(
                                "Per-source windows dropped because their source sent nothing for"
                                        + " source.window.expiry.minutes, by store:"
                                        + " source-alert-window (alert.per-source.k/n),"
                                        + " source-typicality-window (typicality.window)")
                        .labelNames("store")
                        .register(registry);
        scoringFailures =
                Counter.builder()
                        .name("flowwatch_scoring_failures_total")
                        .help(
                                "Forward passes that failed while the model still scored a blank"
                                        + " image: retried on halves of the batch, and events that"
                                        + " fail scoring.max-attempts times go to the dead-letter"
                                        + " topic as SCORING_FAILED")
                        .register(registry);
        threadReplacements =
                Counter.builder()
                        .name("flowwatch_stream_thread_replacements_total")
                        .help(
                                "Stream threads that died and were replaced; /healthz fails when"
                                        + " too many die within health.window.seconds")
                        .register(registry);
        registryLookups =
                Counter.builder()
                        .name("flowwatch_schema_registry_lookups_total")
                        .help("Writer schemas asked of the schema registry by id")
                        .register(registry);
        registryCacheHits =
                Counter.builder()
                        .name("flowwatch_schema_registry_cache_hits_total")
                        .help(
                                "Schema ids answered from memory: known schemas, and ids the"
                                        + " registry did not know a moment ago")
                        .register(registry);
        registryFailures =
                Counter.builder()
                        .name("flowwatch_schema_registry_failures_total")
                        .help(
                                "Look-ups of ids the registry does not know (reason unknown_id:"
                                        + " UNKNOWN_SCHEMA dead letters), and requests that failed"
                                        + " (reason unavailable: retried, then the task fails)")
                        .labelNames("reason")
                        .register(registry);
        batchSize =
                Histogram.builder()
                        .name("flowwatch_batch_size")
                        .help("Events per scored batch")
                        .classicOnly()
                        .classicExponentialUpperBounds(1, 2, 10)
                        .register(registry);
        batchFillRatio =
                Histogram.builder()
                        .name("flowwatch_batch_fill_ratio")
                        .help("Events per scored batch divided by batch.max.size")
                        .classicOnly()
                        .classicLinearUpperBounds(0.1, 0.1, 10)
                        .register(registry);
        batchInferenceSeconds =
                Histogram.builder()
                        .name("flowwatch_batch_inference_seconds")
                        .help("Time of one batched forward pass, including waiting for the device")
                        .unit(Unit.SECONDS)
                        .classicOnly()
                        .classicUpperBounds(INFERENCE_BUCKETS)
                        .register(registry);
        engineLockWaitSeconds =
                Histogram.builder()
                        .name("flowwatch_engine_lock_wait_seconds")
                        .help(
                                "Time a batch waited for the model, which runs at most"
                                        + " model.concurrent.passes forward passes at once for all"
                                        + " stream threads")
                        .unit(Unit.SECONDS)
                        .classicOnly()
                        .classicUpperBounds(INFERENCE_BUCKETS)
                        .register(registry);
        engineForwardSeconds =
                Histogram.builder()
                        .name("flowwatch_engine_forward_seconds")
                        .help(
                                "Time of one forward pass with the model held: the bounds (and"
                                        + " the networks the score needs), without the image"
                                        + " statistics and the density")
                        .unit(Unit.SECONDS)
                        .classicOnly()
                        .classicUpperBounds(INFERENCE_BUCKETS)
                        .register(registry);
        endToEndLatencySeconds =
                Histogram.builder()
                        .name("flowwatch_end_to_end_latency_seconds")
                        .help("From the event time of an image to the emission of its score")
                        .unit(Unit.SECONDS)
                        .classicOnly()
                        .classicUpperBounds(
                                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
                                120, 300, 600, 1800)
                        .register(registry);
        scoreBitsPerDim =
                Histogram.builder()
                        .name("flowwatch_score_bits_per_dim")
                        .help("Scores of the events, negative ELBO in bits/dim")
                        .classicOnly()
                        .classicLinearUpperBounds(0.5, 0.5, 32)
                        .register(registry);
        modelInfo =
                Info.builder()
                        .name("flowwatch_model_info")
                        .help("The model that scores: id, version and device")
                        .labelNames("model_id", "model_version", "device")
                        .register(registry);
        modelLoaded =
                Gauge.builder()
                        .name("flowwatch_model_loaded")
                        .help("1 while the model is loaded and warmed up, else 0")
                        .register(registry);
        // Zeros for every reason and severity, so rate() works from the first scrape.
        for (DlqReason reason : DlqReason.values()) {
            eventsInvalid.labelValues(reason.name());
        }
        for (Severity severity : Severity.values()) {
            alerts.labelValues(severity.name());
        }
        for (DoseModel.Part part : DoseModel.Part.values()) {
            alertsByPart.labelValues(part.id());
        }
        for (SchemaRegistryClient.Failure failure : SchemaRegistryClient.Failure.values()) {
            registryFailures.labelValues(label(failure));
        }
    }

    /** Where the schema registry client reports its look-ups, cache hits and failures. */
    public SchemaRegistryClient.Listener schemaRegistryEvents() {
        return new SchemaRegistryClient.Listener() {
            @Override
            public void lookup() {
                registryLookups.inc();
            }

            @Override
            public void cacheHit() {
                registryCacheHits.inc();
            }

            @Override
            public void failure(SchemaRegistryClient.Failure failure) {
                registryFailures.labelValues(label(failure)).inc();
            }
        };
    }

    private static String label(SchemaRegistryClient.Failure failure) {
        return failure.name().toLowerCase(Locale.ROOT);
    }

    public void eventIn() {
        eventsIn.inc();
    }

    public void invalid(DlqReason reason) {
        eventsInvalid.labelValues(reason.name()).inc();
    }

    /** A dead letter that could never be written, skipped. */
    public void deadLetterWriteFailed() {
        deadLetterWriteFailures.inc();
    }

    public void alert(Severity severity, String source) {
        alerts.labelValues(severity.name()).inc();
        alertsBySource.labelValues(sourceLabel(source)).inc();
    }

    /**
     * An alert of score kind dose whose score came from {@code part} ({@link DoseModel.Part#id}); a
     * name that is no part is not counted, so that the series stay few.
     */
    public void alertOfPart(String part) {
        DoseModel.Part.of(part).ifPresent(p -> alertsByPart.labelValues(p.id()).inc());
    }

    /** An anomaly that raised no alert under the per-source k-of-n rule. */
    public void alertWithheld() {
        alertsWithheld.inc();
    }

    /** {@code count} windows of the store {@code store} dropped as their sources were idle. */
    public void sourceWindowsExpired(String store, int count) {
        sourceWindowsExpired.labelValues(store).inc(count);
    }

    /**
     * The source itself while fewer than {@link #MAX_ALERT_SOURCES} have a series, else "other".
     */
    private String sourceLabel(String source) {
        if (alertSources.contains(source)) {
            return source;
        }
        synchronized (alertSources) {
            if (alertSources.size() < MAX_ALERT_SOURCES) {
                alertSources.add(source);
                return source;
            }
        }
        return OTHER_SOURCES;
    }

    /** One batch scored: its size, how full it was and how long the forward pass took. */
    public void batch(int size, int maxSize, double inferenceSeconds) {
        batchSize.observe(size);
        batchFillRatio.observe((double) size / maxSize);
        batchInferenceSeconds.observe(inferenceSeconds);
    }

    /** One forward pass of the engine: its wait for the model and its time holding it. */
    public void forwardPass(long waitNanos, long forwardNanos) {
        engineLockWaitSeconds.observe(waitNanos / 1e9);
        engineForwardSeconds.observe(forwardNanos / 1e9);
    }

    /** Forward passes of one batch that failed and were retried on parts of it. */
    public void scoringFailures(int failedPasses) {
        if (failedPasses > 0) {
            scoringFailures.inc(failedPasses);
        }
    }

    /** A stream thread died and was replaced. */
    public void threadReplaced() {
        threadReplacements.inc();
    }

    /** One event's score emitted. */
    public void scored(double bitsPerDim, double endToEndSeconds) {
        eventsScored.inc();
        scoreBitsPerDim.observe(bitsPerDim);
        // Producer clocks may run ahead of ours; a negative latency carries no information.
        endToEndLatencySeconds.observe(Math.max(0, endToEndSeconds));
    }

    public void modelLoaded(String modelId, String modelVersion, String device) {
        modelInfo.setLabelValues(modelId, modelVersion, device);
        modelLoaded.set(1);
    }

    /**
     * Exports {@code flowwatch_ready}, read at each scrape: 1 while the app scores what arrives
     * (its {@code /ready}), 0 while it waits for the brokers or topics, rebalances or stopped. The
     * consumer lag cannot say so: its series exist only while partitions are fetched.
     */
    public void readiness(BooleanSupplier ready) {
        GaugeWithCallback.builder()
                .name("flowwatch_ready")
                .help("1 while the app scores what arrives (its /ready), else 0")
                .callback(gauge -> gauge.call(ready.getAsBoolean() ? 1 : 0))
                .register(registry);
    }

    public void modelUnloaded() {
        modelLoaded.set(0);
    }
}
