package dev.flowwatch.streams.bench;

import dev.flowwatch.flowpp.bundle.ModelBundle;
import dev.flowwatch.flowpp.model.FlowConfig;
import dev.flowwatch.streams.embedded.EmbeddedKafka;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
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
                "SIGKILL the app repeatedly under steady input; count events lost, out twice or"
                        + " on the wrong topic.")
public final class ChaosRun implements Callable<Integer> {

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
            names = "--seed",
            defaultValue = "1",
            description = "Seed of the kill moments (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin AppRunOptions options;

    /** What a run counted: the outcomes, and the kills' recoveries and the drain in seconds. */
    public record Figures(
            Outcomes.Tally tally,
            int kills,
            List<Double> recoverySeconds,
            double drainSeconds,
            double runSeconds) {

        public String json() {
            return String.format(
                    Locale.ROOT,
                    "{%s,\"kills\":%d,\"recovery_seconds_mean\":%.2f,"
                            + "\"recovery_seconds_max\":%.2f,\"drain_seconds\":%.2f,"
                            + "\"run_seconds\":%.2f}",
                    tally.jsonMembers(),
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
        return AppRunOptions.inTemporaryFolder(
                "flowwatch-chaos",
                (work, json) ->
                        run(
                                        work,
                                        options.model,
                                        kills,
                                        rate,
                                        options.malformedEvery,
                                        maxExtraMs,
                                        seed,
                                        json)
                                .tally()
                                .exactlyOnce());
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
        try (EmbeddedKafka kafka = EmbeddedKafka.start(work.resolve("kafka"));
                Outcomes outcomes = new Outcomes(kafka, PROGRESS_TIMEOUT)) {
            OutputWatcher scores = outcomes.scores();
            SteadyProducer producer =
                    new SteadyProducer(
                            kafka.bootstrapServers(), Outcomes.IMAGES, shape, rate, malformedEvery);
            List<Double> recoveries = new ArrayList<>();
            AppChild app = AppChild.start(work, kafka, bundle, 0, List.of());
            try {
                scores.awaitMoreThan(0, app);
                for (int k = 1; k <= kills; k++) {
                    Thread.sleep(random.nextInt(maxExtraMs + 1));
                    long killedAt = System.nanoTime();
                    app.kill();
                    Thread.sleep(IN_FLIGHT.toMillis());
                    long before = scores.total();
                    app = AppChild.start(work, kafka, bundle, k, List.of());
                    long firstAfter = scores.awaitMoreThan(before, app);
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
                producer.stop();
                drainSeconds = outcomes.awaitDrained(producer, app);
                app.stop();
            } finally {
                producer.stop();
                app.kill();
            }
            Figures figures =
                    new Figures(
                            outcomes.tally(producer),
                            kills,
                            recoveries,
                            drainSeconds,
                            (System.nanoTime() - start) / 1e9);
            out.println(figures.json());
            return figures;
        }
    }
}
