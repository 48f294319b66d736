package dev.flowwatch.streams;

import dev.flowwatch.streams.config.AppConfig;
import dev.flowwatch.streams.topology.DeadLetters;
import dev.flowwatch.streams.topology.DlqReason;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * Sends dead letters back to the images topic, each once: those of the reasons asked for, as their
 * producer sent them (key, value, timestamp, and headers but the dead letter's own), from where the
 * last replay stopped up to where the dead-letter topic ended when this one started. For after the
 * fix: a model that scores what it failed on, a writer schema registered, a wider {@code
 * max.payload.bytes}.
 *
 * <p>Once: the sends and the dead-letter offsets reached commit together in one transaction, the
 * offsets in consumer group {@code <application.id>-dlq-replay}, so a replay that dies resumes
 * where the last transaction ended, and a second replay sends nothing again. A dead letter that
 * carries only a prefix of its value or key (it was larger than {@code dlq.max.value.bytes} or 8
 * KiB) cannot be replayed; it is counted, not sent. A replayed event that fails again becomes a new
 * dead letter, which the next replay may send again.
 */
final class DeadLetterReplay {

    /** What a replay read, sent and could not send. */
    record Tally(long read, long replayed, long cut, Map<String, Long> byReason, boolean dryRun) {

        String json() {
            StringBuilder reasons = new StringBuilder();
            byReason.forEach(
                    (reason, n) ->
                            reasons.append(reasons.length() == 0 ? "" : ",")
                                    .append('"')
                                    .append(reason)
                                    .append("\":")
                                    .append(n));
            return String.format(
                    "{\"dead_letters_read\":%d,\"replayed\":%d,\"not_replayable_cut\":%d,"
                            + "\"read_by_reason\":{%s},\"dry_run\":%b}",
                    read, replayed, cut, reasons, dryRun);
        }
    }

    static final String SUFFIX = "-dlq-replay";

    /** Kafka's own max.block.ms. */
    private static final Duration MIN_BLOCK = Duration.ofMinutes(1);

    /** The headers of a dead letter that carries only part of its record. */
    private static final List<String> CUT =
            List.of(
                    DeadLetters.HEADER_ORIGINAL_SIZE,
                    DeadLetters.HEADER_ORIGINAL_KEY_SIZE,
                    DeadLetters.HEADER_ORIGINAL_HEADERS_SIZE);

    private final AppConfig config;
    private final Set<DlqReason> reasons;
    private final boolean dryRun;
    private final Duration timeout;

    /**
     * @param reasons the reasons of the dead letters to send back
     * @param dryRun count what would be sent, send nothing, commit nothing
     * @param timeout how long the brokers may take to answer, or the topic to yield its records
     */
    DeadLetterReplay(AppConfig config, Set<DlqReason> reasons, boolean dryRun, Duration timeout) {
        this.config = config;
        this.reasons = EnumSet.copyOf(reasons);
        this.dryRun = dryRun;
        this.timeout = timeout;
    }

    /**
     * @throws TimeoutException if the brokers or the topic keep the replay waiting past the timeout
     */
    Tally run() {
        String name = config.applicationId() + SUFFIX;
        Properties consumerSettings = config.consumerProperties();
        consumerSettings.put(ConsumerConfig.GROUP_ID_CONFIG, name);
        consumerSettings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumerSettings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        // a committed offset that retention has passed starts from the oldest dead letter left,
        // not from the end, which would skip every dead letter then and on every later replay
        consumerSettings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // every blocking call waits as long as the replay is told to, not Kafka's 60 s
        consumerSettings.put(
                ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                Long.toString(Math.min(timeout.toMillis(), Integer.MAX_VALUE)));
        try (KafkaConsumer<byte[], byte[]> consumer =
                        new KafkaConsumer<>(
                                consumerSettings,
                                new ByteArrayDeserializer(),
                                new ByteArrayDeserializer());
                KafkaProducer<byte[], byte[]> producer = dryRun ? null : producer(name)) {
            List<TopicPartition> partitions =
                    consumer.partitionsFor(config.topicDlq(), timeout).stream()
                            .map(PartitionInfo::partition)
                            .map(p -> new TopicPartition(config.topicDlq(), p))
                            .toList();
            consumer.assign(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            if (producer != null) {
                // before reading where the last replay stopped: fences a replay still running,
                // and aborts a dead one's open transaction, whose offsets would hold up the read
                producer.initTransactions();
            }
            Map<TopicPartition, OffsetAndMetadata> from =
                    consumer.committed(Set.copyOf(partitions), timeout);
            for (TopicPartition p : partitions) {
                OffsetAndMetadata committed = from.get(p);
                // past the end: the topic was recreated or truncated since
                if (committed != null && committed.offset() <= end.get(p)) {
                    consumer.seek(p, committed.offset());
                } else {
                    consumer.seekToBeginning(List.of(p));
                }
            }
            return replay(consumer, producer, partitions, end);
        }
    }

    private Tally replay(
            KafkaConsumer<byte[], byte[]> consumer,
            KafkaProducer<byte[], byte[]> producer,
            List<TopicPartition> partitions,
            Map<TopicPartition, Long> end) {
        long read = 0;
        long replayed = 0;
        long cut = 0;
        Map<String, Long> byReason = new TreeMap<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<TopicPartition, Long> positions = new HashMap<>();
        while (true) {
            Map<TopicPartition, Long> now = new HashMap<>();
            partitions.forEach(p -> now.put(p, consumer.position(p)));
            if (reachedEnd(consumer, now, end)) {
                break;
            }
            // moving on counts, records or not: read_committed skips aborted ones silently
            if (!now.equals(positions)) {
                positions = now;
                deadline = System.nanoTime() + timeout.toNanos();
            }
            ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
            if (System.nanoTime() > deadline) {
                throw new TimeoutException(
                        "the dead-letter topic yielded nothing before its end for " + timeout);
            }
            if (records.isEmpty()) {
                continue;
            }
            if (producer != null) {
                producer.beginTransaction();
            }
            Map<TopicPartition, OffsetAndMetadata> reached = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : records) {
                TopicPartition p = new TopicPartition(r.topic(), r.partition());
                if (r.offset() >= end.get(p)) {
                    continue; // after the start: the next replay's
                }
                reached.put(p, new OffsetAndMetadata(r.offset() + 1));
                read++;
                String reason = text(r.headers().lastHeader(DeadLetters.HEADER_REASON));
                byReason.merge(reason, 1L, Long::sum);
                if (!asked(reason)) {
                    continue;
                }
                if (CUT.stream().anyMatch(h -> r.headers().lastHeader(h) != null)) {
                    cut++;
                    continue;
                }
                replayed++;
                if (producer != null) {
                    producer.send(
                            new ProducerRecord<>(
                                    config.topicImages(),
                                    null,
                                    r.timestamp(),
                                    r.key(),
                                    r.value(),
                                    DeadLetters.withoutOwnHeaders(r.headers())));
                }
            }
            if (producer != null) {
                if (!reached.isEmpty()) {
                    producer.sendOffsetsToTransaction(reached, consumer.groupMetadata());
                }
                producer.commitTransaction();
            }
        }
        return new Tally(read, replayed, cut, byReason, dryRun);
    }

    /**
     * Whether every partition's position reached the end it had at the start; one that did goes
     * back there, if it passed it, and is paused, so that what lies beyond is the next replay's.
     */
    private static boolean reachedEnd(
            KafkaConsumer<byte[], byte[]> consumer,
            Map<TopicPartition, Long> positions,
            Map<TopicPartition, Long> end) {
        boolean all = true;
        for (Map.Entry<TopicPartition, Long> position : positions.entrySet()) {
            TopicPartition p = position.getKey();
            if (position.getValue() >= end.get(p)) {
                consumer.seek(p, end.get(p));
                consumer.pause(List.of(p)); // no fetching past the end while others catch up
            } else {
                all = false;
            }
        }
        return all;
    }

    private boolean asked(String reason) {
        return reasons.stream().anyMatch(r -> r.name().equals(reason));
    }

    private KafkaProducer<byte[], byte[]> producer(String transactionalId) {
        Properties settings = config.producerProperties();
        settings.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        // never below Kafka's minute: a fresh cluster's first transaction, or a commit that
        // flushes a poll's worth of images, may take that long
        settings.put(
                ProducerConfig.MAX_BLOCK_MS_CONFIG,
                Long.toString(Math.max(timeout.toMillis(), MIN_BLOCK.toMillis())));
        // what a transactional producer needs, whatever an at-least-once app's settings say
        settings.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        settings.put(ProducerConfig.ACKS_CONFIG, "all");
        settings.remove(ProducerConfig.RETRIES_CONFIG);
        settings.remove(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION);
        return new KafkaProducer<>(settings, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static String text(Header header) {
        return header == null || header.value() == null
                ? "(none)"
                : new String(header.value(), StandardCharsets.UTF_8);
    }
}
