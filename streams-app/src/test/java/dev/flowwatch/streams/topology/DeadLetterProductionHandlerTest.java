package dev.flowwatch.streams.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.flowwatch.streams.metrics.FlowwatchMetrics;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler.Result;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;

import java.util.Map;

class DeadLetterProductionHandlerTest {

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final DeadLetterProductionHandler handler = new DeadLetterProductionHandler();

    DeadLetterProductionHandlerTest() {
        handler.configure(
                Map.of(
                        DeadLetterRoute.CONFIG,
                        new DeadLetterRoute(
                                "images.dlq",
                                new DeadLetters(1000),
                                new FlowwatchMetrics(registry))));
    }

    @Test
    void deadLetterTheBrokerNeverAcceptsIsSkippedAndCounted() {
        Result result =
                handler.handleError(
                                new ReadAt("images", 3, 1234),
                                record("images.dlq"),
                                new RecordTooLargeException("too large"))
                        .result();

        assertEquals(Result.RESUME, result);
        assertEquals(1.0, writeFailures());
    }

    @Test
    void scoreTheBrokerRefusesFailsTheTaskUncounted() {
        Result result =
                handler.handleError(
                                new ReadAt("images", 3, 1234),
                                record("anomaly-scores"),
                                new RecordTooLargeException("too large"))
                        .result();

        assertEquals(Result.FAIL, result);
        assertEquals(0.0, writeFailures());
    }

    @Test
    void deadLetterThatMayStillGoThroughIsRetried() {
        Result result =
                handler.handleError(
                                new ReadAt("images", 3, 1234),
                                record("images.dlq"),
                                new TimeoutException("broker slow"))
                        .result();

        assertEquals(Result.RETRY, result);
        assertEquals(0.0, writeFailures());
    }

    private static ProducerRecord<byte[], byte[]> record(String topic) {
        return new ProducerRecord<>(topic, new byte[] {1}, new byte[] {2});
    }

    private double writeFailures() {
        return registry.scrape().stream()
                .filter(s -> s.getMetadata().getName().equals("flowwatch_dlq_write_failures"))
                .map(s -> ((CounterSnapshot) s).getDataPoints().get(0).getValue())
                .findFirst()
                .orElseThrow();
    }

    /** Where the record that led to the write was read: all a handler's log line needs. */
    private record ReadAt(String topic, int partition, long offset)
            implements ErrorHandlerContext {

        @Override
        public Headers headers() {
            return new RecordHeaders();
        }

        @Override
        public String processorNodeId() {
            return FlowwatchTopology.DLQ_SINK;
        }

        @Override
        public TaskId taskId() {
            return new TaskId(0, partition);
        }

        @Override
        public long timestamp() {
            return 0;
        }

        @Override
        public byte[] sourceRawKey() {
            return null;
        }

        @Override
        public byte[] sourceRawValue() {
            return null;
        }
    }
}
