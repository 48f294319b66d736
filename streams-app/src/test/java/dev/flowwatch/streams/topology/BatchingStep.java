package dev.flowwatch.streams.topology;

import dev.flowwatch.schemas.ImageEvent;
import dev.flowwatch.streams.engine.BatchScorer;
import dev.flowwatch.streams.engine.ScoringEngine;
import dev.flowwatch.streams.metrics.FlowwatchMetrics;

import io.prometheus.metrics.model.registry.PrometheusRegistry;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * The batching step alone on a {@link MockProcessorContext}, for what a whole topology cannot set
 * up: a store restored with given entries, a clock moved by hand.
 */
final class BatchingStep {

    private BatchingStep() {}

    /**
     * The step on the real model, scoring on the stream thread to child "scores" and dead letters
     * to child "dlq".
     */
    static Processor<byte[], ValidatedEvent, byte[], Object> processor(
            Path stateDir, ScoringEngine engine, int maxSize, long maxDelayMs) {
        return processor(stateDir, engine, engine, maxSize, maxDelayMs, false);
    }

    /**
     * The step whose forward passes go through {@code scorer}, pipelined or not, with a scoring
     * journal of its own under {@code stateDir}.
     */
    static Processor<byte[], ValidatedEvent, byte[], Object> processor(
            Path stateDir,
            ScoringEngine engine,
            BatchScorer scorer,
            int maxSize,
            long maxDelayMs,
            boolean pipelined) {
        return processor(
                ScoringJournal.under(stateDir, "batching-step"),
                engine,
                scorer,
                new BatchingProcessor.Policy(maxSize, maxDelayMs, 12, 3, pipelined));
    }

    /** The step in the process whose scoring journal is {@code journal}. */
    static Processor<byte[], ValidatedEvent, byte[], Object> processor(
            ScoringJournal journal,
            ScoringEngine engine,
            BatchScorer scorer,
            BatchingProcessor.Policy policy) {
        return BatchingProcessor.supplier(
                        engine,
                        scorer,
                        AnomalyDecider.fixedThreshold(100, "m", "v"),
                        new DeadLetters(1 << 20),
                        new FlowwatchMetrics(new PrometheusRegistry()),
                        policy,
                        new BatchingProcessor.Children(List.of("scores"), "dlq"),
                        journal)
                .get();
    }

    /** The step's store, in memory, registered with {@code context}. */
    static KeyValueStore<Bytes, byte[]> pendingStore(MockProcessorContext<byte[], Object> context) {
        KeyValueStore<Bytes, byte[]> store =
                Stores.keyValueStoreBuilder(
                                Stores.inMemoryKeyValueStore(BatchingProcessor.STORE),
                                Serdes.Bytes(),
                                Serdes.ByteArray())
                        .withLoggingDisabled()
                        .build();
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
        return store;
    }

    static Bytes sequenceKey(long sequence) {
        return Bytes.wrap(ByteBuffer.allocate(Long.BYTES).putLong(sequence).array());
    }

    /** A RAW_U8 event as validation passes it on: it is its own decoded form. */
    static ValidatedEvent validated(ImageEvent event) {
        return new ValidatedEvent(event, TopologyFixture.bytes(event));
    }
}
