package dev.flowwatch.streams;

import dev.flowwatch.streams.config.AppConfig;
import dev.flowwatch.streams.engine.BatchScorer;
import dev.flowwatch.streams.engine.ScoringEngine;
import dev.flowwatch.streams.metrics.FlowwatchMetrics;
import dev.flowwatch.streams.metrics.KafkaStreamsMetricsBridge;
import dev.flowwatch.streams.metrics.MetricsServer;
import dev.flowwatch.streams.metrics.ProbeStatus;
import dev.flowwatch.streams.topology.FlowwatchTopology;
import dev.flowwatch.streams.topology.WireFormat;

import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

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
    private final ThreadReplacements replacements;
    private final CompletableFuture<KafkaStreams.State> stopped = new CompletableFuture<>();
    private final ScoringDeadline deadline;
    private final AtomicBoolean closed = new AtomicBoolean();
    private MetricsServer server;

    /** Null unless there is a batching topic ({@code batching.partitions > 0}). */
    private BatchingTopicPurger purger;

    /** Null until the brokers answered and every topic exists. */
    private volatile KafkaStreams streams;

    /** What the start waits for, while {@link #streams} is null. */
    private volatile String waitingFor;

    private FlowwatchApp(
            ScoringEngine engine,
            FlowwatchMetrics metrics,
            AppConfig config,
            ScoringDeadline deadline) {
        this.engine = engine;
        this.metrics = metrics;
        this.deadline = deadline;
        this.waitingFor =
                "looking up the topics at "
                        + config.bootstrapServers()
                        + " (bootstrap.servers) for the first time";
        this.replacements =
                new ThreadReplacements(
                        config.healthMaxThreadReplacements(),
                        Duration.ofSeconds(config.healthWindowSeconds()));
    }

    /** Starts the app with its own metrics registry (JVM metrics included). */
    public static FlowwatchApp start(AppConfig config) {
        return start(config, new PrometheusRegistry());
    }

    /**
     * Loads and warms up the model, serves metrics and probes, waits for the brokers and the topics
     * (creating missing ones if {@code topics.create}), and starts Kafka Streams. While it waits,
     * {@code /ready} answers 503 with what it waits for. On failure, whatever was started is closed
     * again.
     *
     * @param registry where all metrics of this app go; one per app, so that tests can run several
     * @throws IllegalStateException if the start is interrupted while it waits
     */
    public static FlowwatchApp start(AppConfig config, PrometheusRegistry registry) {
        return start(config, registry, engine -> engine);
    }

    /**
     * The app whose batches go through another forward pass than the engine's: tests of passes that
     * fail, or end the process, use it.
     */
    static FlowwatchApp start(
            AppConfig config,
            PrometheusRegistry registry,
            Function<ScoringEngine, BatchScorer> forwardPass) {
        LOG.info("Loading model from {} on device {}", config.modelDir(), config.device());
        ScoringEngine engine =
                ScoringEngine.load(
                        config.modelDir(),
                        config.device(),
                        config.iwSamples(),
                        config.scoreKind(),
                        config.batchMaxSize(),
                        config.modelConcurrentPasses());
        FlowwatchApp app = null;
        try {
            ScoringDeadline deadline = ScoringDeadline.of(config);
            deadline.requireRoom(config, engine.warmUpTime());
            LOG.info(
                    "A batch of {} took {} ms after the warm-up ({} at once): within {} ({} ms) a"
                            + " stream thread may own about {} tasks before a backlog on all of"
                            + " them could outlast it",
                    config.batchMaxSize(),
                    engine.warmUpTime().toMillis(),
                    config.modelConcurrentPasses(),
                    deadline.key(),
                    deadline.time().toMillis(),
                    deadline.tasksPerThread(engine.warmUpTime()));
            FlowwatchMetrics metrics = new FlowwatchMetrics(registry);
            metrics.modelLoaded(engine.modelId(), engine.modelVersion(), engine.device());
            engine.reportForwardPasses(metrics::forwardPass);
            JvmMetrics.builder().register(registry);
            // The output schemas are registered before the topology is built, and both before any
            // waiting: a refused schema or a bad setting fails the start at once.
            WireFormat wire = WireFormat.of(config, metrics.schemaRegistryEvents());
            Topology topology =
                    FlowwatchTopology.build(
                            config, engine, forwardPass.apply(engine), wire, metrics);
            LOG.info("Topology:\n{}", topology.describe());
            app = new FlowwatchApp(engine, metrics, config, deadline);
            FlowwatchApp starting = app;
            metrics.readiness(starting::isReady);
            // Serving first: a taken port fails before any Kafka work, and probes answer while
            // the start waits for the brokers.
            app.server =
                    MetricsServer.start(
                            config.metricsPort(), registry, app::health, app::readiness);
            new AppTopics(config, reason -> starting.waitingFor = reason).await();
            app.startStreams(
                    new KafkaStreams(
                            topology, FlowwatchTopology.streamsProperties(config, metrics)),
                    registry);
            if (config.batchingPartitions() > 0) {
                app.purger = BatchingTopicPurger.start(config);
            }
            LOG.info(
                    "Started {} with model {} {} on {}; metrics on port {}",
                    config.applicationId(),
                    engine.modelId(),
                    engine.modelVersion(),
                    engine.device(),
                    app.server.port());
            return app;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeAfterFailedStart(app, engine);
            throw new IllegalStateException("interrupted while waiting for the brokers", e);
        } catch (RuntimeException e) {
            closeAfterFailedStart(app, engine);
            throw e;
        }
    }

    private static void closeAfterFailedStart(FlowwatchApp app, ScoringEngine engine) {
        if (app != null) {
            app.close();
        } else {
            engine.close();
        }
    }

    private void startStreams(KafkaStreams created, PrometheusRegistry registry) {
        created.setUncaughtExceptionHandler(
                new UncaughtExceptionPolicy(
                        () -> {
                            metrics.threadReplaced();
                            replacements.replaced(Instant.now());
                        }));
        created.setStateListener(
                (now, before) -> {
                    LOG.info("Kafka Streams {} -> {}", before, now);
                    if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
                        stopped.complete(now);
                    }
                });
        registry.register(new KafkaStreamsMetricsBridge(created::metrics));
        streams = created;
        created.start();
    }

    /** True while Kafka Streams is RUNNING and the model is loaded: the app scores what arrives. */
    public boolean isReady() {
        return readiness().ok();
    }

    /** {@code /ready}: whether the app scores what arrives, and if not, why. */
    ProbeStatus readiness() {
        KafkaStreams s = streams;
        if (s == null) {
            return ProbeStatus.failing("waiting for Kafka: " + waitingFor);
        }
        if (!engine.isLoaded()) {
            return ProbeStatus.failing("the model is not loaded");
        }
        KafkaStreams.State state = s.state();
        return state == KafkaStreams.State.RUNNING
                ? ProbeStatus.OK
                : ProbeStatus.failing("Kafka Streams is " + state);
    }

    /**
     * {@code /healthz}: fails when stream threads keep dying, Kafka Streams stopped on an error, or
     * a forward pass runs past what Kafka allows a batch ({@link ScoringDeadline}); a start that
     * waits for the brokers is healthy (a restart would wait the same).
     */
    ProbeStatus health() {
        KafkaStreams s = streams;
        if (s != null && s.state() == KafkaStreams.State.ERROR) {
            return ProbeStatus.failing("Kafka Streams stopped after a fatal error");
        }
        ProbeStatus pass = deadline.health(engine.longestPassInFlight());
        return pass.ok() ? replacements.health(Instant.now()) : pass;
    }

    /** The Kafka Streams state; CREATED while the start waits for the brokers. */
    public KafkaStreams.State state() {
        KafkaStreams s = streams;
        return s == null ? KafkaStreams.State.CREATED : s.state();
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
        KafkaStreams s = streams;
        if (s != null && !s.close(CLOSE_TIMEOUT)) {
            LOG.warn("Kafka Streams did not stop within {}", CLOSE_TIMEOUT);
        }
        if (purger != null) {
            purger.close();
        }
        metrics.modelUnloaded();
        engine.close();
        if (server != null) {
            server.close();
        }
        stopped.complete(state());
    }
}
