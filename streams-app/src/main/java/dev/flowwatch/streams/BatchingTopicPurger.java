package dev.flowwatch.streams;

import dev.flowwatch.streams.config.AppConfig;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Deletes the records of the batching topic ({@code batching.partitions > 0}) that the app has
 * consumed and committed, as Kafka Streams does for the repartition topics it creates itself. The
 * batching topic is a sink and a source of the topology, which Streams treats as any user topic:
 * without this each record (an event with its decoded pixels) would stay for the topic's retention,
 * more than a second copy of the input. Only records before the group's committed offset are
 * deleted, and under exactly-once that offset moves only when the transaction that consumed them
 * (and wrote their scores) commits, so nothing unscored is lost.
 */
final class BatchingTopicPurger implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BatchingTopicPurger.class);

    /** As Kafka Streams' {@code repartition.purge.interval.ms} by default. */
    static final Duration INTERVAL = Duration.ofSeconds(30);

    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

    private final Admin admin;
    private final String group;
    private final String topic;
    private final Map<TopicPartition, Long> purged = new HashMap<>();
    private ScheduledExecutorService timer;

    BatchingTopicPurger(AppConfig config) {
        this.admin = Admin.create(config.clientProperties());
        this.group = config.applicationId();
        this.topic = config.batchingTopic();
    }

    /** A purger that purges every {@link #INTERVAL} until closed. */
    static BatchingTopicPurger start(AppConfig config) {
        BatchingTopicPurger purger = new BatchingTopicPurger(config);
        purger.timer =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "batching-topic-purger");
                            t.setDaemon(true);
                            return t;
                        });
        long ms = INTERVAL.toMillis();
        purger.timer.scheduleWithFixedDelay(purger::purgeQuietly, ms, ms, TimeUnit.MILLISECONDS);
        return purger;
    }

    private void purgeQuietly() {
        try {
            purge();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            // the next round tries again: the records only wait longer
            LOG.warn("Purging {} failed; retrying in {} s: {}", topic, INTERVAL.toSeconds(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Deletes each partition's records before the group's committed offset, where that moved since
     * the last purge.
     *
     * @return the offsets deleted up to in this round, by partition
     */
    Map<TopicPartition, Long> purge()
            throws ExecutionException, TimeoutException, InterruptedException {
        Map<TopicPartition, OffsetAndMetadata> committed =
                admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata()
                        .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        Map<TopicPartition, RecordsToDelete> deletions = new HashMap<>();
        Map<TopicPartition, Long> upTo = new HashMap<>();
        committed.forEach(
                (partition, offset) -> {
                    if (offset != null
                            && partition.topic().equals(topic)
                            && offset.offset() > purged.getOrDefault(partition, 0L)) {
                        deletions.put(partition, RecordsToDelete.beforeOffset(offset.offset()));
                        upTo.put(partition, offset.offset());
                    }
                });
        if (!deletions.isEmpty()) {
            admin.deleteRecords(deletions)
                    .all()
                    .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            purged.putAll(upTo);
            LOG.debug("Purged {} up to {}", topic, upTo);
        }
        return upTo;
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
        admin.close(CALL_TIMEOUT);
    }
}
