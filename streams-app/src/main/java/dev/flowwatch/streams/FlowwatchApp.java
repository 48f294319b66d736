package dev.flowwatch.streams;

import dev.flowwatch.flowpp.score.ScoreKind;
import dev.flowwatch.streams.config.AppConfig;
import dev.flowwatch.streams.engine.ScoringEngine;
import dev.flowwatch.streams.metrics.FlowwatchMetrics;
import dev.flowwatch.streams.metrics.KafkaStreamsMetricsBridge;
import dev.flowwatch.streams.metrics.MetricsServer;
import dev.flowwatch.streams.topology.FlowwatchTopology;

import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The running app: model, Kafka Streams client and metrics server, started together and closed in
 * the reverse order.
 */
public final class FlowwatchApp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FlowwatchApp.class);

    /** Long enough for a batch in flight and the final commit; short of Kubernetes' 30 s grace. */
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(20);

    private final ScoringEngine engine;
    private final FlowwatchMetrics metrics;
    private final KafkaStreams streams;
    private final CompletableFuture<KafkaStreams.State> stopped = new CompletableFuture<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private MetricsServer server;

    private FlowwatchApp(ScoringEngine engine, FlowwatchMetrics metrics, KafkaStreams streams) {
        this.engine = engine;
        this.metrics = metrics;
        this.streams = streams;
    }

    /** Starts the app with its own metrics registry (JVM metrics included). */
    public static FlowwatchApp start(AppConfig config) {
        return start(config, new PrometheusRegistry());
    }

    /**
     * Loads and warms up the model, creates missing topics (if {@code topics.create}), starts Kafka
     * Streams and the metrics server. On failure, whatever was started is closed again.
     *
     * @param registry where all metrics of this app go; one per app, so that tests can run several
     */
    public static FlowwatchApp start(AppConfig config, PrometheusRegistry registry) {
        LOG.info("Loading model from {} on device {}", config.modelDir(), config.device());
        ScoringEngine engine =
                ScoringEngine.load(
                        config.modelDir(),
                        config.device(),
                        config.iwSamples(),
                        config.scoreKind() == ScoreKind.LIKELIHOOD_RATIO,
                        config.batchMaxSize());
        FlowwatchApp app = null;
        try {
            FlowwatchMetrics metrics = new FlowwatchMetrics(registry);
            metrics.modelLoaded(engine.modelId(), engine.modelVersion(), engine.device());
            JvmMetrics.builder().register(registry);
            if (config.topicsCreate()) {
                TopicCreator.createMissing(config);
            }
            Topology topology = FlowwatchTopology.build(config, engine, metrics);
            LOG.info("Topology:\n{}", topology.describe());
            app =
                    new FlowwatchApp(
                            engine,
                            metrics,
                            new KafkaStreams(
                                    topology,
                                    FlowwatchTopology.streamsProperties(config, metrics)));
            // Serving first: a taken port fails before any Kafka work, and probes answer during
            // start-up.
            app.server = MetricsServer.start(config.metricsPort(), registry, app::isReady);
            app.startStreams(registry);
            LOG.info(
                    "Started {} with model {} {} on {}; metrics on port {}",
                    config.applicationId(),
                    engine.modelId(),
                    engine.modelVersion(),
                    engine.device(),
                    app.server.port());
            return app;
        } catch (RuntimeException e) {
            if (app != null) {
                app.close();
            } else {
                engine.close();
            }
            throw e;
        }
    }

    private void startStreams(PrometheusRegistry registry) {
        streams.setUncaughtExceptionHandler(new UncaughtExceptionPolicy());
        streams.setStateListener(
                (now, before) -> {
                    LOG.info("Kafka Streams {} -> {}", before, now);
                    if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
                        stopped.complete(now);
                    }
                });
        registry.register(new KafkaStreamsMetricsBridge(streams::metrics));
        streams.start();
    }

    /** True while Kafka Streams is RUNNING and the model is loaded: the app scores what arrives. */
    public boolean isReady() {
        return streams.state() == KafkaStreams.State.RUNNING && engine.isLoaded();
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    /** The port /metrics, /healthz and /ready are served on (the bound one when 0 was asked). */
    public int metricsPort() {
        return server.port();
    }

    public ScoringEngine engine() {
        return engine;
    }

    /**
     * Completes when Kafka Streams has stopped for good, by {@link #close()} (NOT_RUNNING) or after
     * a fatal error (ERROR, e.g. the model failed).
     */
    public CompletableFuture<KafkaStreams.State> stopped() {
        return stopped;
    }

    /**
     * Stops consuming and commits (Kafka Streams first, so no batch is cut off mid-flight), then
     * releases the model, then stops serving metrics. Idempotent: the shutdown hook and a fatal
     * error may both close.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (!streams.close(CLOSE_TIMEOUT)) {
            LOG.warn("Kafka Streams did not stop within {}", CLOSE_TIMEOUT);
        }
        metrics.modelUnloaded();
        engine.close();
        if (server != null) {
            server.close();
        }
        stopped.complete(streams.state());
    }
}
