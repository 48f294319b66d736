package dev.flowwatch.streams.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.flowwatch.streams.FlowppStreams;
import dev.flowwatch.streams.embedded.EmbeddedKafka;
import dev.flowwatch.streams.topology.DeadLetters;
import dev.flowwatch.streams.topology.DlqReason;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code replay-dead-letters} on a real broker and real dead letters: it sends back those of the
 * reasons asked for, as their producer sent them, each once across runs, and counts what it cannot
 * send.
 */
class DeadLetterReplayTest {

    private static final long TIME = 1_700_000_000_000L;

    @TempDir Path dir;

    @Test
    void deadLettersOfTheReasonsAskedForGoBackOnceAsTheirProducerSentThem() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
            kafka.createTopics(2, List.of("images", "images.dlq"));
            DeadLetters letters = new DeadLetters(8);
            try (KafkaProducer<byte[], byte[]> producer = producer(kafka)) {
                send(producer, letters, "k1", "v1", DlqReason.SCORING_FAILED);
                send(producer, letters, "k2", "v2", DlqReason.UNKNOWN_SCHEMA);
                send(producer, letters, "k3", "v3", DlqReason.MALFORMED_MESSAGE);
                send(producer, letters, "k4", "longer than 8 bytes", DlqReason.SCORING_FAILED);
                // headers over 8 KiB, which the dead letter drops
                send(producer, letters, "k6", "v6", DlqReason.SCORING_FAILED, 9000);
            }

            String dry = replay(kafka, "--reason", "SCORING_FAILED,UNKNOWN_SCHEMA", "--dry-run");
            assertEquals(
                    "{\"dead_letters_read\":5,\"replayed\":2,\"not_replayable_cut\":2,"
                            + "\"read_by_reason\":{\"MALFORMED_MESSAGE\":1,\"SCORING_FAILED\":3,"
                            + "\"UNKNOWN_SCHEMA\":1},\"dry_run\":true}",
                    dry);
            assertEquals(List.of(), images(kafka, 0), "a dry run sends nothing");

            String done = replay(kafka, "--reason", "SCORING_FAILED", "--reason", "UNKNOWN_SCHEMA");
            assertEquals(dry.replace("true}", "false}"), done);
            List<ConsumerRecord<byte[], byte[]>> replayed = images(kafka, 2);
            assertEquals(List.of("k1", "k2"), keys(replayed));
            ConsumerRecord<byte[], byte[]> first =
                    replayed.stream().filter(r -> text(r.key()).equals("k1")).findFirst().get();
            assertArrayEquals("v1".getBytes(StandardCharsets.UTF_8), first.value());
            assertEquals(TIME, first.timestamp());
            assertEquals("t-k1", text(first.headers().lastHeader("trace").value()));
            assertNull(first.headers().lastHeader(DeadLetters.HEADER_REASON), "not a dead letter");

            try (KafkaProducer<byte[], byte[]> producer = producer(kafka)) {
                send(producer, letters, "k5", "v5", DlqReason.SCORING_FAILED);
            }
            assertEquals(
                    "{\"dead_letters_read\":1,\"replayed\":1,\"not_replayable_cut\":0,"
                            + "\"read_by_reason\":{\"SCORING_FAILED\":1},\"dry_run\":false}",
                    replay(kafka, "--reason", "SCORING_FAILED"),
                    "only what came since");
            assertEquals(List.of("k1", "k2", "k5"), keys(images(kafka, 3)));
        }
    }

    @Test
    void aReplayWithoutAReasonIsAUsageError() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new FlowppStreams()).setErr(new PrintWriter(err));
        assertEquals(2, cli.execute("replay-dead-letters", "-Dbootstrap.servers=localhost:1"));
    }

    private String replay(EmbeddedKafka kafka, String... options) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli =
                new CommandLine(new FlowppStreams())
                        .setOut(new PrintWriter(out))
                        .setErr(new PrintWriter(err));
        String[] args = new String[options.length + 4];
        args[0] = "replay-dead-letters";
        args[1] = "-Dbootstrap.servers=" + kafka.bootstrapServers();
        args[2] = "-Dapplication.id=replay-it";
        args[3] = "-Dmodel.dir=" + dir;
        System.arraycopy(options, 0, args, 4, options.length);
        assertEquals(0, cli.execute(args), err.toString());
        return out.toString().strip();
    }

    private static KafkaProducer<byte[], byte[]> producer(EmbeddedKafka kafka) {
        return new KafkaProducer<>(
                Map.of("bootstrap.servers", kafka.bootstrapServers()),
                new ByteArraySerializer(),
                new ByteArraySerializer());
    }

    /** The dead letter the app would write of a record sent with a header "trace". */
    private static void send(
            KafkaProducer<byte[], byte[]> producer,
            DeadLetters letters,
            String key,
            String value,
            DlqReason reason)
            throws Exception {
        send(producer, letters, key, value, reason, 0);
    }

    /** ... and a header "padding" of {@code padding} bytes beside it. */
    private static void send(
            KafkaProducer<byte[], byte[]> producer,
            DeadLetters letters,
            String key,
            String value,
            DlqReason reason,
            int padding)
            throws Exception {
        RecordHeaders original = new RecordHeaders();
        original.add("trace", ("t-" + key).getBytes(StandardCharsets.UTF_8));
        if (padding > 0) {
            original.add("padding", new byte[padding]);
        }
        DeadLetters.DeadLetter letter =
                letters.of(
                        key.getBytes(StandardCharsets.UTF_8),
                        value.getBytes(StandardCharsets.UTF_8),
                        original,
                        reason,
                        "why",
                        "images",
                        0,
                        7);
        producer.send(
                        new ProducerRecord<>(
                                "images.dlq",
                                null,
                                TIME,
                                letter.key(),
                                letter.value(),
                                letter.headers()))
                .get();
    }

    private static List<ConsumerRecord<byte[], byte[]>> images(EmbeddedKafka kafka, int expected) {
        return CommittedReader.read(
                kafka.bootstrapServers(),
                "images",
                expected,
                Duration.ofSeconds(2),
                Duration.ofSeconds(30));
    }

    private static List<String> keys(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> text(r.key())).sorted().toList();
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
