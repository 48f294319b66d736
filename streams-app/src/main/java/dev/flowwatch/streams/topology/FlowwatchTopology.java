package dev.flowwatch.streams.topology;

import dev.flowwatch.flowpp.score.Calibration;
import dev.flowwatch.flowpp.score.ScoreKind;
import dev.flowwatch.flowpp.score.TypicalityTest;
import dev.flowwatch.schemas.AnomalyAlert;
import dev.flowwatch.schemas.AnomalyScore;
import dev.flowwatch.streams.config.AppConfig;
import dev.flowwatch.streams.config.InvalidConfigException;
import dev.flowwatch.streams.engine.BatchScorer;
import dev.flowwatch.streams.engine.ScoringEngine;
import dev.flowwatch.streams.engine.Uncalibrated;
import dev.flowwatch.streams.metrics.FlowwatchMetrics;

import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * The way of an image through the app: {@code images → validate → (batching topic →) batch and
 * score → anomaly-scores, and → alert → anomaly-alerts}, with invalid records branching from
 * validate to the dead-letter topic.
 *
 * <p>Keys stay bytes from source to sinks, so scores, alerts and dead letters carry the input key
 * exactly. Every dead letter carries the input value as it was read: one of validation with the
 * input record's headers, one of the batching step (SCORING_FAILED, or WRONG_SHAPE after a model
 * rollout) with the input record's topic, partition and offset in its headers.
 */
public final class FlowwatchTopology {

    public static final String SOURCE = "images-source";
    public static final String VALIDATE = "validate";
    public static final String STAMP_SOURCE = "stamp-source";
    public static final String DLQ_SINK = "dlq-sink";
    public static final String TO_BATCHING = "batching-sink";
    public static final String FROM_BATCHING = "batching-source";
    public static final String BATCH = "batch-and-score";
    public static final String SCORES_SINK = "scores-sink";
    public static final String ALERT = "alert";
    public static final String TYPICALITY = "typicality";
    public static final String ALERTS_SINK = "alerts-sink";

    private FlowwatchTopology() {}

    public static Topology build(
            AppConfig config, ScoringEngine engine, WireFormat wire, FlowwatchMetrics metrics) {
        return build(config, engine, engine, wire, metrics);
    }

    /** The topology with another forward pass than the engine's: tests of failing passes use it. */
    public static Topology build(
            AppConfig config,
            ScoringEngine engine,
            BatchScorer batchScorer,
            WireFormat wire,
            FlowwatchMetrics metrics) {
        ImageValidator validator =
                new ImageValidator(
                        engine.channels(),
                        engine.height(),
                        engine.width(),
                        config.maxPayloadBytes(),
                        wire.images());
        RecordLimits.requireFit(config, engine.channels() * engine.height() * engine.width());
        DeadLetters deadLetters = new DeadLetters(config.dlqMaxValueBytes());
        if (engine.kind() != config.scoreKind()) {
            throw new IllegalArgumentException(
                    "the engine scores "
                            + engine.kind().id()
                            + ", but score.kind is "
                            + config.scoreKind().id());
        }
        AnomalyDecider decider =
                AnomalyDecider.forConfig(
                        config, engine.calibration(), engine.modelId(), engine.modelVersion());
        Alerts alerts = new Alerts(config.alertTargetFalseAlarmRate(), engine.calibration());
        boolean repartition = config.batchingPartitions() > 0;

        Topology topology = new Topology();
        topology.addSource(
                SOURCE,
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer(),
                config.topicImages());
        topology.addProcessor(
                VALIDATE,
                () ->
                        new ValidateProcessor(
                                validator, deadLetters, metrics, STAMP_SOURCE, DLQ_SINK),
                SOURCE);
        // where each event was read, for its dead letter should the batching step give it up
        topology.addProcessor(STAMP_SOURCE, StampSourceProcessor::new, VALIDATE);

        String batchParent = STAMP_SOURCE;
        if (repartition) {
            // Gathers the events of many input partitions onto fewer batching tasks, so batches
            // fill up.
            topology.addSink(
                    TO_BATCHING,
                    config.batchingTopic(),
                    new ByteArraySerializer(),
                    ValidatedEvent.serializer(),
                    STAMP_SOURCE);
            topology.addSource(
                    FROM_BATCHING,
                    new ByteArrayDeserializer(),
                    ValidatedEvent.deserializer(),
                    config.batchingTopic());
            batchParent = FROM_BATCHING;
        }
        List<String> scoreChildren = new ArrayList<>(List.of(SCORES_SINK, ALERT));
        if (config.typicalityWindow() > 0) {
            scoreChildren.add(TYPICALITY);
        }
        topology.addProcessor(
                BATCH,
                BatchingProcessor.supplier(
                        engine,
                        batchScorer,
                        decider,
                        deadLetters,
                        metrics,
                        new BatchingProcessor.Policy(
                                config.batchMaxSize(),
                                config.batchMaxDelayMs(),
                                config.batchPunctuationMs(),
                                config.scoringMaxAttempts(),
                                config.batchPipelined()),
                        new BatchingProcessor.Children(scoreChildren, DLQ_SINK),
                        ScoringJournal.under(config.stateDir(), config.applicationId())),
                batchParent);
        topology.addSink(
                DLQ_SINK,
                config.topicDlq(),
                new ByteArraySerializer(),
                new ByteArraySerializer(),
                VALIDATE,
                BATCH);
        topology.addSink(
                SCORES_SINK, config.topicScores(), new ByteArraySerializer(), wire.scores(), BATCH);
        topology.addProcessor(
                ALERT,
                AlertProcessor.supplier(
                        alerts, metrics, config.alertPerSource(), config.sourceWindowExpiry()),
                BATCH);
        String[] alertParents = {ALERT};
        if (config.typicalityWindow() > 0) {
            topology.addProcessor(
                    TYPICALITY,
                    typicalityStep(config, engine.calibration(), alerts, metrics),
                    BATCH);
            alertParents = new String[] {ALERT, TYPICALITY};
        }
        topology.addSink(
                ALERTS_SINK,
                config.topicAlerts(),
                new ByteArraySerializer(),
                wire.alerts(),
                alertParents);
        return topology;
    }

    /**
     * The Kafka Streams configuration of the app: {@link AppConfig#streamsProperties()}, the
     * exception handlers that turn bad records on the batching topic and dead letters that can
     * never be written into dead letters and a metric instead of a dying thread, and, unless {@code
     * kafka.default.timestamp.extractor} names another, the extractor that gives records without a
     * valid timestamp one ({@link EventTimeExtractor}).
     */
    public static Properties streamsProperties(AppConfig config, FlowwatchMetrics metrics) {
        Properties p = config.streamsProperties();
        p.put(
                StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                DeadLetterDeserializationHandler.class);
        p.put(
                StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG,
                DeadLetterProductionHandler.class);
        p.putIfAbsent(
                StreamsConfig.DEFAULT_TIMESTAMP_EXTRACTOR_CLASS_CONFIG, EventTimeExtractor.class);
        // The app has no global stores; enabling the handler for them is what Kafka Streams 5 will
        // do anyway, and quiets its warning at every start. The main consumer needs it too: its
        // partition assignor builds a StreamsConfig of its own from the consumer's settings.
        for (String prefix : List.of("", StreamsConfig.MAIN_CONSUMER_PREFIX)) {
            p.putIfAbsent(
                    prefix + StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG,
                    "true");
        }
        p.put(
                DeadLetterRoute.CONFIG,
                new DeadLetterRoute(
                        config.topicDlq(), new DeadLetters(config.dlqMaxValueBytes()), metrics));
        return p;
    }

    /** The typicality step on the bundle's bits/dim calibration, or why there can be none. */
    private static ProcessorSupplier<byte[], AnomalyScore, byte[], AnomalyAlert> typicalityStep(
            AppConfig config,
            Optional<Calibration> calibration,
            Alerts alerts,
            FlowwatchMetrics metrics) {
        if (calibration.isEmpty() || !calibration.get().has(ScoreKind.BPD)) {
            throw new InvalidConfigException(
                    "typicality.window needs a bpd calibration, but "
                            + Uncalibrated.why(config.modelDir(), calibration, ScoreKind.BPD)
                            + ": "
                            + Uncalibrated.fix(config.modelDir(), ScoreKind.BPD));
        }
        try {
            return TypicalityProcessor.supplier(
                    TypicalityTest.of(calibration.get(), config.typicalityWindow()),
                    alerts,
                    metrics,
                    config.sourceWindowExpiry());
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException("typicality.window: " + e.getMessage());
        }
    }
}
