package dev.flowwatch.streams.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.schemas.FlowwatchSerdes;
import dev.flowwatch.streams.FlowwatchApp;
import dev.flowwatch.streams.ReadyApps;
import dev.flowwatch.streams.TestModels;
import dev.flowwatch.streams.config.AppConfig;
import dev.flowwatch.streams.embedded.EmbeddedKafka;
import dev.flowwatch.streams.it.HostileRecords.Fate;
import dev.flowwatch.streams.it.HostileRecords.Hostile;
import dev.flowwatch.streams.it.HostileRecords.Kind;
import dev.flowwatch.streams.topology.DeadLetters;
import dev.flowwatch.streams.topology.DlqReason;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A few thousand records meant to stop the scorer, interleaved with valid ones, through the real
 * broker under exactly-once: every hostile record becomes exactly one dead letter with a reason,
 * every valid one exactly one score (read committed), no stream thread dies, and the heap's old
 * generation grows by far less than one image bomb would take.
 *
 * <p>{@code -Dflowwatch.fuzz.records=N} sets the number of records (default 2000).
 */
class HostileInputTest {

    private static final int RECORDS = Integer.getInteger("flowwatch.fuzz.records", 2000);
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final Duration SETTLE = Duration.ofSeconds(3);

    /** An image bomb decoded would take 2 GiB; the whole run must stay far below. */
    private static final long MAX_OLD_GEN_GROWTH = 768L << 20;

    @TempDir Path dir;

    @Test
    void noRecordStopsTheScorerAndEveryRecordMeetsItsFate() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
            String appId = "fuzz-" + System.nanoTime();
            // The input takes records past every limit of the app, as a misconfigured producer's
            // compressed batches would bring them.
            kafka.createTopic("images", 2, Map.of("max.message.bytes", Integer.toString(16 << 20)));
            AppConfig config = config(kafka, appId);
            HostileRecords generator =
                    new HostileRecords(
                            42,
                            config.topicImages(),
                            config.batchingTopic(),
                            config.maxPayloadBytes());
            List<Hostile> records = generator.generate(RECORDS, 3);

            MemoryPoolMXBean oldGen = oldGeneration();
            System.gc();
            long oldGenBefore = oldGen.getUsage().getUsed();
            oldGen.resetPeakUsage();
            long started = System.nanoTime();
            try (FlowwatchApp app = FlowwatchApp.start(config)) {
                ReadyApps.awaitReady(app, TIMEOUT);
                Set<Thread> streamThreads = streamThreads(appId);
                send(kafka, records);
                double sentAt = (System.nanoTime() - started) / 1e9;

                Map<Fate, Long> fates =
                        records.stream()
                                .collect(
                                        Collectors.groupingBy(
                                                h -> h.kind().fate, Collectors.counting()));
                // Every record ends as one dead letter or one score, but a bit flip may end as
                // either, so the two topics are read together until all records have arrived: a
                // count per topic would stop reading dead letters while late ones were on their
                // way.
                Map<Boolean, List<ConsumerRecord<byte[], byte[]>>> outputs =
                        CommittedReader.read(
                                        kafka.bootstrapServers(),
                                        List.of(config.topicDlq(), config.topicScores()),
                                        records.size(),
                                        SETTLE,
                                        TIMEOUT)
                                .stream()
                                .collect(
                                        Collectors.partitioningBy(
                                                r -> r.topic().equals(config.topicDlq())));
                List<ConsumerRecord<byte[], byte[]>> dead = outputs.get(true);
                List<ConsumerRecord<byte[], byte[]>> scored = outputs.get(false);
                double seconds = (System.nanoTime() - started) / 1e9;
                System.out.printf("sent in %.1f s%n", sentAt);

                assertEquals(
                        streamThreads,
                        streamThreads(appId),
                        "no stream thread died and was replaced");
                assertTrue(app.isReady(), "the app is still running: " + app.state());

                long oldGenGrowth = oldGen.getPeakUsage().getUsed() - oldGenBefore;
                System.out.printf(
                        "Hostile input: %d records (%d meant for dead letters, %d valid, %d bit"
                                + " flips) in %.1f s; %d dead letters, %d scores; old generation"
                                + " peak +%d MiB; RSS %s%n",
                        records.size(),
                        fates.getOrDefault(Fate.DEAD, 0L),
                        fates.getOrDefault(Fate.SCORED, 0L),
                        fates.getOrDefault(Fate.EITHER, 0L),
                        seconds,
                        dead.size(),
                        scored.size(),
                        oldGenGrowth >> 20,
                        rss());
                System.out.println("Dead letters by reason: " + countByReason(dead));
                checkFates(records, dead, scored);
                assertTrue(
                        oldGenGrowth < MAX_OLD_GEN_GROWTH,
                        "old generation grew by " + (oldGenGrowth >> 20) + " MiB");
            }
        }
    }

    private static void checkFates(
            List<Hostile> records,
            List<ConsumerRecord<byte[], byte[]>> dead,
            List<ConsumerRecord<byte[], byte[]>> scored) {
        Map<String, List<ConsumerRecord<byte[], byte[]>>> deadById =
                dead.stream().collect(Collectors.groupingBy(HostileInputTest::id));
        // A score keeps the input key but not the headers: a null-key record is known by its event
        // id (the key first, since a flipped bit may change the event id).
        var scoreReader = FlowwatchSerdes.anomalyScore().deserializer();
        Map<String, Long> scoresById =
                scored.stream()
                        .map(
                                r ->
                                        r.key() != null
                                                ? HostileRecords.idOf(r.key())
                                                : scoreReader
                                                        .deserialize(r.topic(), r.value())
                                                        .getEventId())
                        .collect(Collectors.groupingBy(id -> id, Collectors.counting()));
        List<String> wrong = new ArrayList<>();
        for (Hostile h : records) {
            List<ConsumerRecord<byte[], byte[]>> letters = deadById.getOrDefault(h.id(), List.of());
            long scores = scoresById.getOrDefault(h.id(), 0L);
            boolean ok =
                    switch (h.kind().fate) {
                        case SCORED -> scores == 1 && letters.isEmpty();
                        case DEAD -> scores == 0 && letters.size() == 1;
                        case EITHER -> scores + letters.size() == 1;
                    };
            if (ok && letters.size() == 1) {
                ok = hasOneReason(letters.get(0), h.kind());
            }
            if (!ok) {
                wrong.add(
                        h.id()
                                + " "
                                + h.kind()
                                + ": "
                                + scores
                                + " score(s), dead letters "
                                + letters.stream().map(HostileInputTest::reason).toList());
            }
        }
        assertTrue(
                wrong.isEmpty(),
                wrong.size()
                        + " records met the wrong fate, e.g. "
                        + wrong.subList(0, Math.min(10, wrong.size())));
        assertEquals(
                records.stream().map(Hostile::id).collect(Collectors.toSet()),
                union(deadById.keySet(), scoresById.keySet()),
                "nothing on the outputs but what was sent");
    }

    /** Exactly one reason header, one of those the kind allows (any reason when none is named). */
    private static boolean hasOneReason(ConsumerRecord<byte[], byte[]> letter, Kind kind) {
        List<Header> reasons = new ArrayList<>();
        letter.headers().headers(DeadLetters.HEADER_REASON).forEach(reasons::add);
        if (reasons.size() != 1) {
            return false;
        }
        DlqReason reason = DlqReason.valueOf(reason(letter));
        return kind.reasons.isEmpty() || kind.reasons.contains(reason);
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new HashSet<>(a);
        all.addAll(b);
        return all;
    }

    private static String id(ConsumerRecord<byte[], byte[]> record) {
        if (record.key() != null) {
            return HostileRecords.idOf(record.key());
        }
        Header id = record.headers().lastHeader(HostileRecords.ID_HEADER);
        return id == null ? "(no id)" : new String(id.value(), StandardCharsets.UTF_8);
    }

    private static String reason(ConsumerRecord<byte[], byte[]> letter) {
        Header h = letter.headers().lastHeader(DeadLetters.HEADER_REASON);
        return h == null ? "(none)" : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static Map<String, Long> countByReason(List<ConsumerRecord<byte[], byte[]>> dead) {
        return dead.stream()
                .collect(
                        Collectors.groupingBy(
                                HostileInputTest::reason, TreeMap::new, Collectors.counting()));
    }

    private AppConfig config(EmbeddedKafka kafka, String appId) {
        Map<String, String> settings = TestModels.appSettings(kafka, dir, appId);
        settings.put("batch.max.size", "64");
        settings.put("batch.max.delay.ms", "50");
        settings.put("batching.partitions", "1");
        settings.put("topics.partitions", "2");
        return AppConfig.load(null, Map.of(), settings);
    }

    private static void send(EmbeddedKafka kafka, List<Hostile> records) {
        try (var producer =
                new KafkaProducer<>(
                        Map.<String, Object>of(
                                "bootstrap.servers",
                                kafka.bootstrapServers(),
                                "max.request.size",
                                16 << 20,
                                "compression.type",
                                "lz4",
                                "linger.ms",
                                5),
                        new ByteArraySerializer(),
                        new ByteArraySerializer())) {
            records.forEach(h -> producer.send(h.record()));
            producer.flush();
        }
    }

    /** The live stream threads of the app: a replaced thread is a new Thread object. */
    private static Set<Thread> streamThreads(String appId) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(appId) && t.getName().contains("StreamThread"))
                .collect(Collectors.toSet());
    }

    private static MemoryPoolMXBean oldGeneration() {
        return ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP && p.getName().contains("Old"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no old-generation heap pool"));
    }

    private static String rss() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("VmRSS:"))
                    .map(l -> l.substring("VmRSS:".length()).trim())
                    .findFirst()
                    .orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
