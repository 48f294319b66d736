package dev.flowwatch.streams.bench;

import dev.flowwatch.flowpp.bundle.ModelBundle;
import dev.flowwatch.flowpp.model.FlowConfig;
import dev.flowwatch.schemas.AnomalyScore;
import dev.flowwatch.schemas.FlowwatchSerdes;
import dev.flowwatch.schemas.ImageEvent;
import dev.flowwatch.schemas.ImageEvents;
import dev.flowwatch.streams.FlowppStreams;
import dev.flowwatch.streams.demo.TempDirs;
import dev.flowwatch.streams.embedded.EmbeddedKafka;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Kills the app again and again under steady input and counts what exactly-once promises: every
 * event scored, none lost, none scored twice, in the committed output.
 *
 * <p>The app runs as a child JVM (the real {@code run} command) against an embedded broker, its
 * state directory kept across restarts as a pod's volume is. A producer sends events at a steady
 * rate throughout; a {@code read_committed} consumer watches the scores topic. Each round waits
 * until the running app has committed a score, waits a random moment more (mid-batch, mid-commit,
 * whatever comes), kills the process with SIGKILL and starts a new one at once. Recovery is the
 * time from the kill to the next committed score. After the last round, the input stops and the
 * last app drains it. Prints one JSON line per kill and one with the totals; asserts nothing.
 */
@Command(
        name = "chaos",
        mixinStandardHelpOptions = true,
        description = "SIGKILL the app repeatedly under steady input; count lost and doubled scores.")
public final class ChaosRun implements Callable<Integer> {

    private static final String APP_ID = "flowwatch-chaos";
    private static final String IMAGES = "images";
    private static final String SCORES = "anomaly-scores";

    /** A killed app's last transaction lands within this; later scores are the new app's. */
    private static final Duration IN_FLIGHT = Duration.ofMillis(500);

    private static final Duration PROGRESS_TIMEOUT = Duration.ofSeconds(180);

    @Option(
            names = "--kills",
            defaultValue = "20",
            description = "SIGKILLs (default: ${DEFAULT-VALUE}).")
    int kills;

    @Option(
            names = "--rate",
            defaultValue = "20",
            description = "Events per second sent throughout (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(
            names = "--max-extra-ms",
            defaultValue = "4000",
            description =
                    "A kill comes at a random moment up to this long after the app's first committed"
                            + " score (default: ${DEFAULT-VALUE}).")
    int maxExtraMs;

    @Option(
            names = "--seed",
            defaultValue = "1",
            description = "Seed of the kill moments (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--model",
            description = "Model bundle (default: a tiny random-weight model).")
    Path model;

    /** What a run counted. */
    public record Figures(
            long eventsSent,
            long scored,
            long lost,
            long duplicated,
            int kills,
            List<Double> recoverySeconds,
            double drainSeconds,
            double runSeconds) {

        public String json() {
            return String.format(
                    Locale.ROOT,
                    "{\"events_sent\":%d,\"scored\":%d,\"lost\":%d,\"duplicated\":%d,\"kills\":%d,"
                            + "\"recovery_seconds_mean\":%.2f,\"recovery_seconds_max\":%.2f,"
                            + "\"drain_seconds\":%.2f,\"run_seconds\":%.2f}",
                    eventsSent,
                    scored,
                    lost,
                    duplicated,
                    kills,
                    recoverySeconds.stream().mapToDouble(d -> d).average().orElse(0),
                    recoverySeconds.stream().mapToDouble(d -> d).max().orElse(0),
                    drainSeconds,
                    runSeconds);
        }
    }

    public static void main(String[] args) {
        System.setProperty("ai.djl.offline", "true");
        System.exit(new CommandLine(new ChaosRun()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path work = Files.createTempDirectory("flowwatch-chaos");
        try {
            Figures figures = run(work, model, kills, rate, maxExtraMs, seed, System.out);
            return figures.lost() == 0 && figures.duplicated() == 0 ? 0 : 1;
        } finally {
            TempDirs.deleteQuietly(work);
        }
    }

    /**
     * One run in {@code work}: broker, app and logs ({@code app-N.log}) live there.
     *
     * @param model the bundle to score with; null writes a tiny random-weight one
     * @param out where the JSON lines go
     */
    public static Figures run(
            Path work, Path model, int kills, int rate, int maxExtraMs, long seed, PrintStream out)
            throws Exception {
        Path bundle = model != null ? model : TinyModel.write(work.resolve("model"), "chaos-tiny");
        FlowConfig shape = ModelBundle.readManifest(bundle).config();
        Random random = new Random(seed);
        long start = System.nanoTime();
        double drainSeconds = 0;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(work.resolve("kafka"))) {
            kafka.createTopics(1, List.of(IMAGES, SCORES, "anomaly-alerts", "images.dlq"));
            ScoreWatcher watcher = new ScoreWatcher(kafka.bootstrapServers());
            SteadyProducer producer = new SteadyProducer(kafka.bootstrapServers(), shape, rate);
            List<Double> recoveries = new ArrayList<>();
            Child app = Child.start(work, kafka, bundle, 0);
            try {
                watcher.awaitMoreThan(0, app);
                for (int k = 1; k <= kills; k++) {
                    Thread.sleep(random.nextInt(maxExtraMs + 1));
                    long killedAt = System.nanoTime();
                    app.kill();
                    Thread.sleep(IN_FLIGHT.toMillis());
                    long before = watcher.total();
                    app = Child.start(work, kafka, bundle, k);
                    long firstAfter = watcher.awaitMoreThan(before, app);
                    double recovery = (firstAfter - killedAt) / 1e9;
                    recoveries.add(recovery);
                    out.printf(
                            Locale.ROOT,
                            "{\"kill\":%d,\"at_seconds\":%.1f,\"scored_before_kill\":%d,"
                                    + "\"recovery_seconds\":%.2f}%n",
                            k,
                            (killedAt - start) / 1e9,
                            before,
                            recovery);
                }
                long sent = producer.stop();
                long drainStart = System.nanoTime();
                watcher.awaitDistinct(sent, app);
                drainSeconds = (System.nanoTime() - drainStart) / 1e9;
                // duplicates of the last transactions would arrive now
                Thread.sleep(2_000);
                app.stop();
            } finally {
                producer.stop();
                app.kill();
                watcher.close();
            }
            Figures figures =
                    new Figures(
                            producer.sent(),
                            watcher.total(),
                            producer.sent() - watcher.distinctOf(producer.ids()),
                            watcher.duplicatedKeys(),
                            kills,
                            recoveries,
                            drainSeconds,
                            (System.nanoTime() - start) / 1e9);
            out.println(figures.json());
            return figures;
        }
    }

    /** The app as a child JVM running the {@code run} command. */
    private record Child(Process process, Path log) {

        static Child start(Path work, EmbeddedKafka kafka, Path bundle, int index)
                throws IOException {
            Path config = work.resolve("app.properties");
            Files.writeString(
                    config,
                    String.join(
                            "\n",
                            "bootstrap.servers=" + kafka.bootstrapServers(),
                            "application.id=" + APP_ID,
                            "model.dir=" + bundle,
                            // kept across restarts, as a pod's volume is
                            "state.dir=" + work.resolve("state"),
                            "metrics.port=0",
                            "threshold.bpd=1e9",
                            "batch.max.size=16",
                            "batch.max.delay.ms=100",
                            "topics.create=false",
                            // a killed member never leaves the group: its task moves on after
                            // the session timeout (6 s is the broker's minimum)
                            "kafka.session.timeout.ms=6000"));
            Path log = work.resolve("app-" + index + ".log");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process process =
                    new ProcessBuilder(
                                    java,
                                    "-XX:+ExitOnOutOfMemoryError",
                                    "-Dai.djl.offline=true",
                                    "-cp",
                                    System.getProperty("java.class.path"),
                                    "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
                                    FlowppStreams.class.getName(),
                                    "run",
                                    "--config",
                                    config.toString())
                            .redirectErrorStream(true)
                            .redirectOutput(log.toFile())
                            .start();
            return new Child(process, log);
        }

        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }

        /** SIGTERM, as Kubernetes stops a pod; SIGKILL if it does not stop in time. */
        void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                kill();
            }
        }

        void requireAlive() {
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        "the app exited with " + process.exitValue() + "; see " + log);
            }
        }
    }

    /** Sends uniquely keyed events at a steady rate on a thread of its own. */
    private static final class SteadyProducer {

        private final KafkaProducer<byte[], byte[]> producer;
        private final Map<String, Boolean> acked = new ConcurrentHashMap<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        SteadyProducer(String bootstrap, FlowConfig shape, int rate) {
            producer =
                    new KafkaProducer<>(
                            Map.of(
                                    "bootstrap.servers", bootstrap,
                                    "acks", "all",
                                    "enable.idempotence", true,
                                    "linger.ms", 5),
                            new ByteArraySerializer(),
                            new ByteArraySerializer());
            var serializer = FlowwatchSerdes.imageEvent().serializer();
            thread =
                    new Thread(
                            () -> {
                                Random pixels = new Random(7);
                                long period = TimeUnit.SECONDS.toNanos(1) / rate;
                                long next = System.nanoTime();
                                for (long i = 0; running.get(); i++) {
                                    String id = "event-" + i;
                                    byte[] image =
                                            new byte
                                                    [shape.channels()
                                                            * shape.height()
                                                            * shape.width()];
                                    pixels.nextBytes(image);
                                    ImageEvent event =
                                            ImageEvents.rawU8(
                                                    id,
                                                    "chaos",
                                                    Instant.now(),
                                                    shape.width(),
                                                    shape.height(),
                                                    shape.channels(),
                                                    image);
                                    producer.send(
                                            new ProducerRecord<>(
                                                    IMAGES,
                                                    id.getBytes(StandardCharsets.UTF_8),
                                                    serializer.serialize(IMAGES, event)),
                                            (metadata, e) -> {
                                                if (e == null) {
                                                    acked.put(id, true);
                                                }
                                            });
                                    next += period;
                                    long sleep = next - System.nanoTime();
                                    if (sleep > 0) {
                                        try {
                                            TimeUnit.NANOSECONDS.sleep(sleep);
                                        } catch (InterruptedException e) {
                                            return;
                                        }
                                    }
                                }
                            },
                            "chaos-producer");
            thread.start();
        }

        /** Stops sending; returns the events the broker acknowledged. Idempotent. */
        long stop() throws InterruptedException {
            if (running.getAndSet(false)) {
                thread.join();
                producer.close(Duration.ofSeconds(30));
            }
            return sent();
        }

        long sent() {
            return acked.size();
        }

        Iterable<String> ids() {
            return acked.keySet();
        }
    }

    /** Reads the scores topic as a downstream consumer of an exactly-once app: committed only. */
    private static final class ScoreWatcher {

        private final Map<String, Integer> seen = new ConcurrentHashMap<>();
        private final List<Long> arrivals = new ArrayList<>();
        private final AtomicLong total = new AtomicLong();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        ScoreWatcher(String bootstrap) {
            Deserializer<AnomalyScore> scores =
                    FlowwatchSerdes.anomalyScore().deserializer();
            KafkaConsumer<byte[], byte[]> consumer =
                    new KafkaConsumer<>(
                            Map.<String, Object>of(
                                    "bootstrap.servers", bootstrap,
                                    "group.id", "chaos-watcher-" + UUID.randomUUID(),
                                    "auto.offset.reset", "earliest",
                                    "enable.auto.commit", false,
                                    "isolation.level", "read_committed"),
                            new ByteArrayDeserializer(),
                            new ByteArrayDeserializer());
            consumer.subscribe(List.of(SCORES));
            thread =
                    new Thread(
                            () -> {
                                try (consumer) {
                                    while (running.get()) {
                                        for (ConsumerRecord<byte[], byte[]> r :
                                                consumer.poll(Duration.ofMillis(100))) {
                                            String id =
                                                    scores.deserialize(SCORES, r.value())
                                                            .getEventId()
                                                            .toString();
                                            seen.merge(id, 1, Integer::sum);
                                            synchronized (arrivals) {
                                                arrivals.add(System.nanoTime());
                                            }
                                            total.incrementAndGet();
                                        }
                                    }
                                }
                            },
                            "chaos-watcher");
            thread.start();
        }

        long total() {
            return total.get();
        }

        /** Waits for score number {@code count + 1}; returns when it arrived (nanoTime). */
        long awaitMoreThan(long count, Child app) throws InterruptedException {
            long deadline = System.nanoTime() + PROGRESS_TIMEOUT.toNanos();
            while (total() <= count) {
                app.requireAlive();
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "no score committed for " + PROGRESS_TIMEOUT + "; see " + app.log());
                }
                Thread.sleep(20);
            }
            synchronized (arrivals) {
                return arrivals.get((int) count);
            }
        }

        void awaitDistinct(long count, Child app) throws InterruptedException {
            long deadline = System.nanoTime() + PROGRESS_TIMEOUT.toNanos();
            while (seen.size() < count && System.nanoTime() < deadline) {
                app.requireAlive();
                Thread.sleep(100);
            }
        }

        long distinctOf(Iterable<String> ids) {
            long n = 0;
            for (String id : ids) {
                if (seen.containsKey(id)) {
                    n++;
                }
            }
            return n;
        }

        long duplicatedKeys() {
            return seen.values().stream().filter(c -> c > 1).count();
        }

        void close() throws InterruptedException {
            running.set(false);
            thread.join();
        }
    }
}
