package dev.flowwatch.streams.bench;

import dev.flowwatch.flowpp.bundle.Directories;
import dev.flowwatch.flowpp.bundle.ModelBundle;
import dev.flowwatch.flowpp.model.FlowConfig;
import dev.flowwatch.schemas.AnomalyScore;
import dev.flowwatch.schemas.FlowwatchSerdes;
import dev.flowwatch.streams.embedded.EmbeddedKafka;

import org.apache.kafka.common.serialization.Deserializer;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * Kills the app again and again under steady input and counts what exactly-once promises: every
 * valid event scored and every malformed one dead-lettered, none lost, none twice, none on the
 * wrong topic, in the committed output.
 *
 * <p>The app runs as a child JVM (the real {@code run} command) against an embedded broker, its
 * state directory kept across restarts as a pod's volume is. A producer sends events at a steady
 * rate throughout, some of them malformed; {@code read_committed} consumers watch the scores and
 * the dead-letter topics. Each round waits until the running app has committed a score, waits a
 * random moment more (mid-batch, mid-commit, whatever comes), kills the process with SIGKILL and
 * starts a new one at once. Recovery is the time from the kill to the next committed score. After
 * the last round, the input stops and the last app drains it. Prints one JSON line per kill and one
 * with the totals; asserts nothing.
 */
@Command(
        name = "chaos",
        mixinStandardHelpOptions = true,
        description =
                "SIGKILL the app repeatedly under steady input; count lost and doubled scores.")
public final class ChaosRun implements Callable<Integer> {

    static final String APP_ID = "flowwatch-chaos";
    private static final String IMAGES = "images";
    private static final String SCORES = "anomaly-scores";
    private static final String DEAD_LETTERS = "images.dlq";

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
                    "A kill comes at a random moment up to this long after the app's first"
                            + " committed score (default: ${DEFAULT-VALUE}).")
    int maxExtraMs;

    @Option(
            names = "--malformed-every",
            defaultValue = "10",
            description =
                    "Every this many events one is malformed, for the dead-letter topic; 0 for"
                            + " none (default: ${DEFAULT-VALUE}).")
    int malformedEvery;

    @Option(
            names = "--seed",
            defaultValue = "1",
            description = "Seed of the kill moments (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--model", description = "Model bundle (default: a tiny random-weight model).")
    Path model;

    /**
     * What a run counted.
     *
     * @param eventsSent valid events the broker acknowledged
     * @param malformedSent malformed events the broker acknowledged
     * @param scored scores committed, duplicates included
     * @param deadLetters dead letters committed, duplicates included
     * @param lost events sent with no output on their topic: valid ones unscored, malformed ones
     *     without a dead letter
     * @param duplicated events with more than one output on their topic
     * @param misrouted events with an output on the other topic: a valid one dead-lettered, a
     *     malformed one scored
     */
    public record Figures(
            long eventsSent,
            long malformedSent,
            long scored,
            long deadLetters,
            long lost,
            long duplicated,
            long misrouted,
            int kills,
            List<Double> recoverySeconds,
            double drainSeconds,
            double runSeconds) {

        public String json() {
            return String.format(
                    Locale.ROOT,
                    "{\"events_sent\":%d,\"malformed_sent\":%d,\"scored\":%d,\"dead_letters\":%d,"
                            + "\"lost\":%d,\"duplicated\":%d,\"misrouted\":%d,\"kills\":%d,"
                            + "\"recovery_seconds_mean\":%.2f,\"recovery_seconds_max\":%.2f,"
                            + "\"drain_seconds\":%.2f,\"run_seconds\":%.2f}",
                    eventsSent,
                    malformedSent,
                    scored,
                    deadLetters,
                    lost,
                    duplicated,
                    misrouted,
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
        // stdout carries the JSON lines only: what the broker's test kit prints goes to stderr
        PrintStream json = System.out;
        System.setOut(System.err);
        try {
            Figures figures = run(work, model, kills, rate, malformedEvery, maxExtraMs, seed, json);
            return figures.lost() == 0 && figures.duplicated() == 0 && figures.misrouted() == 0
                    ? 0
                    : 1;
        } finally {
            Directories.deleteQuietly(work);
        }
    }

    /**
     * One run in {@code work}: broker, app and logs ({@code app-N.log}) live there.
     *
     * @param model the bundle to score with; null writes a tiny random-weight one
     * @param malformedEvery every this many events one is malformed; 0 for none
     * @param out where the JSON lines go
     */
    public static Figures run(
            Path work,
            Path model,
            int kills,
            int rate,
            int malformedEvery,
            int maxExtraMs,
            long seed,
            PrintStream out)
            throws Exception {
        Path bundle = model != null ? model : TinyModel.write(work.resolve("model"), "chaos-tiny");
        FlowConfig shape = ModelBundle.readManifest(bundle).config();
        Random random = new Random(seed);
        long start = System.nanoTime();
        double drainSeconds = 0;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(work.resolve("kafka"))) {
            kafka.createTopics(1, List.of(IMAGES, SCORES, "anomaly-alerts", DEAD_LETTERS));
            Deserializer<AnomalyScore> scores = FlowwatchSerdes.anomalyScore().deserializer();
            OutputWatcher watcher =
                    new OutputWatcher(
                            kafka.bootstrapServers(),
                            SCORES,
                            r -> scores.deserialize(SCORES, r.value()).getEventId().toString(),
                            PROGRESS_TIMEOUT);
            // a dead letter keeps the event's key, which is its id
            OutputWatcher deadLetters =
                    new OutputWatcher(
                            kafka.bootstrapServers(),
                            DEAD_LETTERS,
                            r -> new String(r.key(), StandardCharsets.UTF_8),
                            PROGRESS_TIMEOUT);
            SteadyProducer producer =
                    new SteadyProducer(
                            kafka.bootstrapServers(), IMAGES, shape, rate, malformedEvery);
            List<Double> recoveries = new ArrayList<>();
            ChaosChild app = ChaosChild.start(work, kafka, bundle, 0);
            try {
                watcher.awaitMoreThan(0, app);
                for (int k = 1; k <= kills; k++) {
                    Thread.sleep(random.nextInt(maxExtraMs + 1));
                    long killedAt = System.nanoTime();
                    app.kill();
                    Thread.sleep(IN_FLIGHT.toMillis());
                    long before = watcher.total();
                    app = ChaosChild.start(work, kafka, bundle, k);
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
                deadLetters.awaitDistinct(producer.malformed().size(), app);
                drainSeconds = (System.nanoTime() - drainStart) / 1e9;
                // duplicates of the last transactions would arrive now
                Thread.sleep(2_000);
                app.stop();
            } finally {
                producer.stop();
                app.kill();
                watcher.close();
                deadLetters.close();
            }
            Set<String> valid = producer.valid();
            Set<String> malformed = producer.malformed();
            Figures figures =
                    new Figures(
                            valid.size(),
                            malformed.size(),
                            watcher.total(),
                            deadLetters.total(),
                            valid.size()
                                    - watcher.distinctOf(valid)
                                    + malformed.size()
                                    - deadLetters.distinctOf(malformed),
                            watcher.duplicatedKeys() + deadLetters.duplicatedKeys(),
                            deadLetters.distinctOf(valid) + watcher.distinctOf(malformed),
                            kills,
                            recoveries,
                            drainSeconds,
                            (System.nanoTime() - start) / 1e9);
            out.println(figures.json());
            return figures;
        }
    }
}
