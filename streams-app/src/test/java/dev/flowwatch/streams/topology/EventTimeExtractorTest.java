package dev.flowwatch.streams.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

import java.util.Optional;

class EventTimeExtractorTest {

    private static final long PARTITION_TIME = 1_700_000_000_000L;

    private final EventTimeExtractor extractor = new EventTimeExtractor();

    private static ConsumerRecord<Object, Object> at(long timestamp) {
        return new ConsumerRecord<>(
                "images",
                0,
                0,
                timestamp,
                TimestampType.CREATE_TIME,
                0,
                0,
                null,
                null,
                new RecordHeaders(),
                Optional.empty());
    }

    @Test
    void aRecordsOwnTimestampIsItsTime() {
        assertEquals(PARTITION_TIME - 5, extractor.extract(at(PARTITION_TIME - 5), PARTITION_TIME));
        assertEquals(0, extractor.extract(at(0), -1));
    }

    @Test
    void aRecordWithoutATimestampTakesThePartitionsTime() {
        assertEquals(
                PARTITION_TIME, extractor.extract(at(ConsumerRecord.NO_TIMESTAMP), PARTITION_TIME));
        assertEquals(PARTITION_TIME, extractor.extract(at(-123_456), PARTITION_TIME));
    }

    @Test
    void aRecordWithoutATimestampFirstOnItsPartitionTakesTheWallClock() {
        long before = System.currentTimeMillis();
        long time = extractor.extract(at(ConsumerRecord.NO_TIMESTAMP), -1);
        assertTrue(time >= before && time <= System.currentTimeMillis(), Long.toString(time));
    }

    @Test
    void aTimestampInTheFutureIsHeldBackToTheWallClock() {
        long time = extractor.extract(at(Long.MAX_VALUE), PARTITION_TIME);
        assertTrue(
                time <= System.currentTimeMillis() && time > PARTITION_TIME, Long.toString(time));
    }
}
