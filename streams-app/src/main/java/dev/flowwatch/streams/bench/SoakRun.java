package dev.flowwatch.streams.bench;

import dev.flowwatch.flowpp.bundle.ModelBundle;
import dev.flowwatch.flowpp.model.FlowConfig;
import dev.flowwatch.streams.embedded.EmbeddedKafka;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Runs the app for a long while under steady input and watches its resident memory: does it settle,
 * or does it grow with the events scored? A scorer holds native memory that the JVM does not see
 * (PyTorch's arrays, the allocator's caches), so only the process's RSS tells.
 *
 * <p>The app runs as a child JVM (the real {@code run} command, with a fixed, pre-touched heap as
 * the pods have) against an embedded broker. A producer sends events at a steady rate, some of them
 * malformed; {@code read_committed} consumers watch the scores and dead letters. Every sample
 * period it prints one JSON line: the child's RSS and how many events came out. At the end the
 * input stops, the app drains it and stops, and one line gives the totals: the exactly-once tally,
 * the RSS at the first sample, at its highest and at the end, and its growth over the second half
 * of the run (the least-squares slope, MB per hour), when warm-up is over. Exits 1 if an event was
 * lost, came out twice or on the wrong topic.
 */
@Command(
        name = "soak",
        mixinStandardHelpOptions = true,
        description =
                "Run the app under steady input for a long while; sample its resident memory.")
public final class SoakRun implements Callable<Integer> {

    private static final Duration PROGRESS_TIMEOUT = Duration.ofSeconds(180);

    @Option(
            names = "--minutes",
            defaultValue = "30",
            description = "How long the input runs (default: ${DEFAULT-VALUE}).")
    double minutes;

    @Option(
            names = "--rate",
            defaultValue = "50",
            description = "Events per second sent throughout (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(
            names = "--sample-seconds",
            defaultValue = "30",
            description = "Seconds between samples (default: ${DEFAULT-VALUE}).")
    double sampleSeconds;

    @Option(
            names = "--heap",
            defaultValue = "1g",
            description =
                    "The app's heap, fixed and pre-touched (-Xms, -Xmx; default: ${DEFAULT-VALUE},"
                            + " 35 %% of a 3 GiB pod).")
    String heap;

    @Mixin AppRunOptions options;

    /** One sample: when, the child's RSS, and the outputs so far. */
    public record Sample(double seconds, long rssKb, long scored, long deadLetters) {}

    /** What a run counted and sampled. */
    public record Figures(Outcomes.Tally tally, List<Sample> samples, double drainSeconds) {

        /** Least-squares slope of RSS over the second half of the samples, in MB per hour. */
        public double secondHalfSlopeMbPerHour() {
            List<Sample> half = samples.subList(samples.size() / 2, samples.size());
            if (half.size() < 2) {
                return Double.NaN;
            }
            double meanT = half.stream().mapToDouble(Sample::seconds).average().orElseThrow();
            double meanR = half.stream().mapToDouble(Sample::rssKb).average().orElseThrow();
            double covariance = 0;
            double variance = 0;
            for (Sample s : half) {
                covariance += (s.seconds() - meanT) * (s.rssKb() - meanR);
                variance += (s.seconds() - meanT) * (s.seconds() - meanT);
            }
            return covariance / variance * 3600 / 1024;
        }

        public String json() {
            Sample last = samples.get(samples.size() - 1);
            return String.format(
                    Locale.ROOT,
                    "{%s,\"events_per_second\":%.1f,\"samples\":%d,\"rss_mb_first\":%d,"
                            + "\"rss_mb_max\":%d,\"rss_mb_last\":%d,"
                            + "\"rss_slope_mb_per_hour_second_half\":%.1f,\"drain_seconds\":%.2f}",
                    tally.jsonMembers(),
                    (last.scored() + last.deadLetters()) / last.seconds(),
                    samples.size(),
                    samples.get(0).rssKb() / 1024,
                    samples.stream().mapToLong(Sample::rssKb).max().orElseThrow() / 1024,
                    last.rssKb() / 1024,
                    secondHalfSlopeMbPerHour(),
                    drainSeconds);
        }
    }

    public static void main(String[] args) {
        System.setProperty("ai.djl.offline", "true");
        System.exit(new CommandLine(new SoakRun()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        return AppRunOptions.inTemporaryFolder(
                "flowwatch-soak",
                (work, json) ->
                        run(
                                        work,
                                        options.model,
                                        Duration.ofMillis(Math.round(minutes * 60_000)),
                                        rate,
                                        options.malformedEvery,
                                        Duration.ofMillis(Math.round(sampleSeconds * 1000)),
                                        List.of(
                                                "-Xms" + heap,
                                                "-Xmx" + heap,
                                                "-XX:+AlwaysPreTouch"),
                                        json)
                                .tally()
                                .exactlyOnce());
    }

    /**
     * One run in {@code work}: broker, app and its log ({@code app-0.log}) live there.
     *
     * @param model the bundle to score with; null writes a tiny random-weight one
     * @param jvmOptions the app's JVM options beyond those every run needs
     * @param out where the JSON lines go
     */
    public static Figures run(
            Path work,
            Path model,
            Duration length,
            int rate,
            int malformedEvery,
            Duration samplePeriod,
            List<String> jvmOptions,
            PrintStream out)
            throws Exception {
        if (samplePeriod.compareTo(length) > 0) {
            throw new IllegalArgumentException(
                    "a run of " + length + " takes no sample every " + samplePeriod);
        }
        Path bundle = model != null ? model : TinyModel.write(work.resolve("model"), "soak-tiny");
        FlowConfig shape = ModelBundle.readManifest(bundle).config();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(work.resolve("kafka"));
                Outcomes outcomes = new Outcomes(kafka, PROGRESS_TIMEOUT)) {
            SteadyProducer producer =
                    new SteadyProducer(
                            kafka.bootstrapServers(), Outcomes.IMAGES, shape, rate, malformedEvery);
            AppChild app = AppChild.start(work, kafka, bundle, 0, jvmOptions);
            try {
                // the run's clock starts at the first score: loading the model and joining the
                // group are not the steady state
                outcomes.scores().awaitMoreThan(0, app);
                long start = System.nanoTime();
                List<Sample> samples = new ArrayList<>();
                for (long next = start + samplePeriod.toNanos();
                        next - start <= length.toNanos();
                        next += samplePeriod.toNanos()) {
                    Thread.sleep(Math.max(0, (next - System.nanoTime()) / 1_000_000));
                    app.requireAlive();
                    Outcomes.Tally now = outcomes.tally(producer);
                    Sample sample =
                            new Sample(
                                    (System.nanoTime() - start) / 1e9,
                                    residentKb(app.process()),
                                    now.scored(),
                                    now.deadLetters());
                    samples.add(sample);
                    out.printf(
                            Locale.ROOT,
                            "{\"seconds\":%.0f,\"rss_mb\":%d,\"sent\":%d,\"scored\":%d,"
                                    + "\"dead_letters\":%d}%n",
                            sample.seconds(),
                            sample.rssKb() / 1024,
                            now.eventsSent() + now.malformedSent(),
                            sample.scored(),
                            sample.deadLetters());
                }
                producer.stop();
                double drainSeconds = outcomes.awaitDrained(producer, app);
                app.stop();
                Figures figures = new Figures(outcomes.tally(producer), samples, drainSeconds);
                out.println(figures.json());
                return figures;
            } finally {
                producer.stop();
                app.kill();
            }
        }
    }

    /** The process's resident set in kB, from Linux's /proc. */
    private static long residentKb(Process process) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", process.pid() + "", "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IOException("no VmRSS for process " + process.pid());
    }
}
