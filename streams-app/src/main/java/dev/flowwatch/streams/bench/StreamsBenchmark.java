package dev.flowwatch.streams.bench;

import ai.djl.ndarray.NDManager;

import dev.flowwatch.flowpp.bundle.Directories;
import dev.flowwatch.flowpp.bundle.ModelBundle;
import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.model.Devices;
import dev.flowwatch.flowpp.model.LikelihoodScorer;
import dev.flowwatch.streams.FlowwatchApp;
import dev.flowwatch.streams.config.AppConfig;
import dev.flowwatch.streams.demo.DemoData;
import dev.flowwatch.streams.demo.DemoStats;
import dev.flowwatch.streams.demo.DemoTraffic;
import dev.flowwatch.streams.demo.OutputMonitor;
import dev.flowwatch.streams.demo.PacedReplay;
import dev.flowwatch.streams.demo.TrafficKind;
import dev.flowwatch.streams.demo.TrafficProducer;
import dev.flowwatch.streams.embedded.EmbeddedKafka;
import dev.flowwatch.streams.engine.ScoringEngine;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * End-to-end figures of the app on the embedded broker: throughput of the full topology against the
 * scoring engine alone, the speed-up of batching, and latency at half the maximum rate. Prints
 * figures and targets, then one JSON line of them; never fails on a timing.
 */
@Command(
        name = "streams-benchmark",
        mixinStandardHelpOptions = true,
        description = "Measure the streams app's throughput and latency on an embedded broker.")
public final class StreamsBenchmark implements Callable<Integer> {

    private static final long MAX_DELAY_MS = 50;

    /** Long enough to time a batch of a fast device many times over. */
    private static final double ENGINE_SECONDS = 2;

    /** A benchmark that cannot finish says so rather than waiting for ever. */
    private static final long READY_TIMEOUT_SECONDS = 120;

    private static final long DRAIN_TIMEOUT_SECONDS = 300;

    /** The batching step's time per batch in the scorer, as its metric is named. */
    private static final String SCORING_METRIC = "flowwatch_batch_inference_seconds";

    /** Events per scored batch, as its metric is named. */
    private static final String BATCH_METRIC = "flowwatch_batch_size";

    /** The engine's time per forward pass with the model held, as its metric is named. */
    private static final String FORWARD_METRIC = "flowwatch_engine_forward_seconds";

    @Option(
            names = "--model",
            defaultValue = "data/models/fashion-mnist-small",
            description =
                    "Model bundle; a tiny random one when absent (default: ${DEFAULT-VALUE}).")
    Path model;

    @Option(
            names = "--data",
            defaultValue = "data",
            description = "Data directory (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(
            names = "--score-kind",
            paramLabel = "KIND",
            description =
                    "score.kind of the app, which the bundle must be calibrated for unless it is"
                            + " bpd (default: the app's default).")
    String scoreKind;

    @Option(
            names = "--batch-size",
            defaultValue = "64",
            description =
                    "batch.max.size of the app and the engine's batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(
            names = "--device",
            defaultValue = "auto",
            description =
                    "device of the app and the engine: auto, cpu, gpu[:N] (default:"
                            + " ${DEFAULT-VALUE}).")
    String device;

    @Option(
            names = "--stream-threads",
            defaultValue = "1",
            description =
                    "num.stream.threads of the app, and the partitions of the topics it creates:"
                            + " more threads decode, compute statistics and write while another"
                            + " thread's batch is on the device (default: ${DEFAULT-VALUE}).")
    int streamThreads;

    @Option(
            names = "--partitions",
            description =
                    "topics.partitions of the app: its tasks, each batching on its own, and with"
                            + " pipelined batches each with a scoring thread of its own (default:"
                            + " the stream threads).")
    Integer partitions;

    @Option(
            names = "--pipelined",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description =
                    "batch.pipelined of the app: score a batch on a thread of its own while the"
                            + " stream thread gathers the next; --no-pipelined scores on the"
                            + " stream thread (default: ${DEFAULT-VALUE}).")
    boolean pipelined;

    @Option(
            names = "--concurrent-passes",
            description =
                    "model.concurrent.passes of the app: forward passes that may run at once"
                            + " (default: the app's); with more than one, the model's held share"
                            + " of the drain sums overlapping passes and can pass 1.")
    Integer concurrentPasses;

    @Option(
            names = "--events",
            defaultValue = "1280",
            description = "Events for the throughput run (default: ${DEFAULT-VALUE}).")
    int events;

    @Option(
            names = "--latency-seconds",
            defaultValue = "20",
            description = "Length of the latency run (default: ${DEFAULT-VALUE}).")
    int latencySeconds;

    public static void main(String[] args) {
        System.setProperty("ai.djl.offline", "true");
        System.exit(new CommandLine(new StreamsBenchmark()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        DemoData images = DemoData.load(data);
        Path work = Files.createTempDirectory("flowwatch-bench");
        try {
            return run(images, work);
        } finally {
            Directories.deleteQuietly(work);
        }
    }

    private int run(DemoData images, Path work) throws Exception {
        Path bundle = modelOrTiny(work);
        double engineBatch = engineEventsPerSecond(bundle, images.replay(), batch);
        double engineSingle = engineEventsPerSecond(bundle, images.replay(), 1);
        double batchSeconds = batch / engineBatch;
        System.out.printf(
                Locale.ROOT,
                "engine alone: batch %d %.1f ev/s (%.1f ms per batch), batch 1 %.1f ev/s; "
                        + "speed-up of batching %.2fx%n",
                batch,
                engineBatch,
                1000 * batchSeconds,
                engineSingle,
                engineBatch / engineSingle);

        try (EmbeddedKafka kafka = EmbeddedKafka.start(work.resolve("kafka"))) {
            Map<String, String> settings =
                    new HashMap<>(
                            Map.of(
                                    "bootstrap.servers", kafka.bootstrapServers(),
                                    "application.id", "flowwatch-bench",
                                    "model.dir", bundle.toString(),
                                    "threshold.bpd", "1e9",
                                    "metrics.port", "0",
                                    "state.dir", work.resolve("state").toString(),
                                    "device", device,
                                    "batch.max.size", Integer.toString(batch),
                                    "batch.max.delay.ms", Long.toString(MAX_DELAY_MS)));
            settings.put("num.stream.threads", Integer.toString(streamThreads));
            settings.put(
                    "topics.partitions",
                    Integer.toString(partitions == null ? streamThreads : partitions));
            settings.put("batch.pipelined", Boolean.toString(pipelined));
            if (concurrentPasses != null) {
                settings.put("model.concurrent.passes", Integer.toString(concurrentPasses));
            }
            if (scoreKind != null) {
                settings.put("score.kind", scoreKind);
            }
            AppConfig config = AppConfig.load(null, Map.of(), settings);
            System.out.println("score.kind: " + config.scoreKind().id());
            DemoStats stats = new DemoStats();
            PrometheusRegistry registry = new PrometheusRegistry();
            DemoTraffic traffic =
                    new DemoTraffic(
                            images.replay(),
                            images.digits(),
                            new DemoTraffic.Mix(0, 0),
                            1,
                            Clock.systemUTC());
            try (FlowwatchApp app = FlowwatchApp.start(config, registry);
                    OutputMonitor monitor = awaitReadyThenMonitor(app, kafka, config, stats);
                    TrafficProducer producer =
                            new TrafficProducer(kafka.bootstrapServers(), config.topicImages())) {
                double engineScore = scoreEventsPerSecond(app.engine(), images.replay(), batch);
                System.out.printf(
                        Locale.ROOT,
                        "the app's engine with its %s score: batch %d %.1f ev/s%n",
                        config.scoreKind().id(),
                        batch,
                        engineScore);

                // throughput: a backlog the app drains as fast as it can
                for (int i = 0; i < events; i++) {
                    producer.send(traffic.next(TrafficKind.NORMAL));
                }
                producer.flush();
                Drain drain = drain(stats, events, registry);
                double topology = drain.eventsPerSecond();
                System.out.printf(
                        Locale.ROOT,
                        "full topology: batch %d %.1f ev/s = %.2f of the engine alone (target >="
                                + " 0.9), %.2f of the engine with its score; a batch was being"
                                + " scored %.0f %% of the time, the model held for forward passes"
                                + " %.0f %% (%.1f ms per pass); %.1f events per batch%n",
                        batch,
                        topology,
                        topology / engineBatch,
                        topology / engineScore,
                        100 * drain.scoringShare(),
                        100 * drain.forwardShare(),
                        drain.forwardMillis(),
                        drain.meanBatch());

                // latency: a steady half of the maximum rate
                double rate = topology / 2;
                stats.snapshot();
                try (PacedReplay replay =
                        new PacedReplay(traffic, producer, rate, stats::onSent).start()) {
                    Thread.sleep(TimeUnit.SECONDS.toMillis(latencySeconds));
                }
                Thread.sleep(2 * MAX_DELAY_MS + 1000);
                DemoStats.Snapshot s = stats.snapshot();
                System.out.printf(
                        Locale.ROOT,
                        "latency at %.1f ev/s: p50 %d ms, p99 %d ms (target p99 <= %d + 2 x %.1f = "
                                + "%.1f ms)%n",
                        rate,
                        s.latencyP50Millis(),
                        s.latencyP99Millis(),
                        MAX_DELAY_MS,
                        1000 * batchSeconds,
                        MAX_DELAY_MS + 2000 * batchSeconds);
                System.out.printf(
                        Locale.ROOT,
                        "{\"case\": \"streams\", \"device\": \"%s\", \"score_kind\": \"%s\","
                                + " \"batch_size\": %d, \"stream_threads\": %d,"
                                + " \"partitions\": %d, \"pipelined\": %b,"
                                + " \"concurrent_passes\": %d,"
                                + " \"engine_events_per_second\": %.1f,"
                                + " \"engine_batch1_events_per_second\": %.1f,"
                                + " \"engine_score_events_per_second\": %.1f,"
                                + " \"topology_events_per_second\": %.1f,"
                                + " \"topology_of_engine\": %.3f,"
                                + " \"topology_of_engine_score\": %.3f,"
                                + " \"scoring_share\": %.3f, \"forward_share\": %.3f,"
                                + " \"forward_ms_per_pass\": %.2f, \"mean_batch\": %.1f,"
                                + " \"latency_rate\": %.1f,"
                                + " \"latency_p50_ms\": %d, \"latency_p99_ms\": %d}%n",
                        device,
                        config.scoreKind().id(),
                        batch,
                        streamThreads,
                        config.topicsPartitions(),
                        pipelined,
                        config.modelConcurrentPasses(),
                        engineBatch,
                        engineSingle,
                        engineScore,
                        topology,
                        topology / engineBatch,
                        topology / engineScore,
                        drain.scoringShare(),
                        drain.forwardShare(),
                        drain.forwardMillis(),
                        drain.meanBatch(),
                        rate,
                        s.latencyP50Millis(),
                        s.latencyP99Millis());
            }
        }
        return 0;
    }

    private Path modelOrTiny(Path work) {
        if (Files.isRegularFile(model.resolve(ModelBundle.MANIFEST))) {
            System.out.println(
                    "model: "
                            + model
                            + " ("
                            + ModelBundle.readManifest(model).config().preset()
                            + ")");
            return model;
        }
        Path tiny = TinyModel.write(work.resolve("tiny-model"), "bench-tiny-random");
        System.out.println(
                "model: "
                        + model
                        + " not found; a tiny random-weight model (figures are not those of "
                        + "the small model)");
        return tiny;
    }

    /** Images per second of the scorer alone on full batches ({@link #eventsPerSecond}). */
    private double engineEventsPerSecond(Path bundle, ImageSet images, int size) {
        try (NDManager manager = NDManager.newBaseManager(Devices.parse(device))) {
            LikelihoodScorer scorer =
                    new LikelihoodScorer(ModelBundle.load(bundle, manager).model(), manager, 1);
            return eventsPerSecond(
                    size,
                    batch -> {
                        int from = (batch * size) % (images.size() - size);
                        scorer.score(images.toFloats(from, from + size), size, 0);
                    });
        }
    }

    /**
     * Events per second of {@code scoreBatch(i)}, each a batch of {@code size}, after a warm-up
     * batch: at least three batches and {@link #ENGINE_SECONDS}.
     */
    private static double eventsPerSecond(int size, IntConsumer scoreBatch) {
        scoreBatch.accept(0);
        long start = System.nanoTime();
        int batches = 0;
        double seconds;
        do {
            scoreBatch.accept(batches);
            batches++;
            seconds = (System.nanoTime() - start) / 1e9;
        } while (batches < 3 || seconds < ENGINE_SECONDS);
        return batches * size / seconds;
    }

    private static OutputMonitor awaitReadyThenMonitor(
            FlowwatchApp app, EmbeddedKafka kafka, AppConfig config, DemoStats stats)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_TIMEOUT_SECONDS);
        while (!app.isReady()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "the app did not become ready within "
                                + READY_TIMEOUT_SECONDS
                                + " s (state "
                                + app.state()
                                + ")");
            }
            Thread.sleep(50);
        }
        return new OutputMonitor(
                kafka.bootstrapServers(),
                config.topicScores(),
                config.topicAlerts(),
                config.topicDlq(),
                stats,
                Optional.empty());
    }

    /**
     * A drained backlog.
     *
     * @param eventsPerSecond from the first score to the last, batch start-up excluded
     * @param scoringShare the scorer's time in that interval (the batching step's scoring metric)
     *     over the interval's length, per stream thread: with one, how busy the device was kept
     *     (with more, a thread's scorer time includes waiting for another's forward pass)
     * @param forwardShare the time the model was held for forward passes in that interval (all
     *     threads, overlapping passes counted each) over its length: near 1 with one pass at a
     *     time, near {@code model.concurrent.passes} with more, the model set the pace
     * @param forwardMillis the mean time of those passes
     * @param meanBatch the mean size of the batches scored in that interval
     */
    private record Drain(
            double eventsPerSecond,
            double scoringShare,
            double forwardShare,
            double forwardMillis,
            double meanBatch) {}

    private Drain drain(DemoStats stats, int total, PrometheusRegistry registry)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DRAIN_TIMEOUT_SECONDS);
        long first = 0;
        long firstCount = 0;
        MetricSnapshots atFirst = null;
        while (true) {
            long scored = stats.snapshot().scored();
            long now = System.nanoTime();
            if (now > deadline) {
                throw new IllegalStateException(
                        "only "
                                + scored
                                + " of "
                                + total
                                + " events scored within "
                                + DRAIN_TIMEOUT_SECONDS
                                + " s");
            }
            if (first == 0 && scored > 0) {
                first = now;
                firstCount = scored;
                atFirst = registry.scrape();
            }
            if (scored >= total) {
                double seconds = (now - first) / 1e9;
                MetricSnapshots atLast = registry.scrape();
                Growth scoring = Growth.of(SCORING_METRIC, atFirst, atLast);
                Growth forward = Growth.of(FORWARD_METRIC, atFirst, atLast);
                Growth batches = Growth.of(BATCH_METRIC, atFirst, atLast);
                return new Drain(
                        (scored - firstCount) / seconds,
                        scoring.sum() / seconds / streamThreads,
                        forward.sum() / seconds,
                        1000 * forward.mean(),
                        batches.mean());
            }
            Thread.sleep(20);
        }
    }

    /** Images per second of the app's engine, the model and its score kind, on full batches. */
    private static double scoreEventsPerSecond(ScoringEngine engine, ImageSet images, int size) {
        List<byte[]> batch = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            batch.add(images.pixels(i % images.size(), i % images.size() + 1));
        }
        return eventsPerSecond(size, i -> engine.score(batch));
    }

    /** What a histogram of the app gained between two scrapes: its observations and their sum. */
    private record Growth(long count, double sum) {

        static Growth of(String name, MetricSnapshots before, MetricSnapshots after) {
            HistogramSnapshot.HistogramDataPointSnapshot from = histogram(before, name);
            HistogramSnapshot.HistogramDataPointSnapshot to = histogram(after, name);
            return new Growth(to.getCount() - from.getCount(), to.getSum() - from.getSum());
        }

        /** The mean of the observations in between; NaN without any. */
        double mean() {
            return count > 0 ? sum / count : Double.NaN;
        }

        private static HistogramSnapshot.HistogramDataPointSnapshot histogram(
                MetricSnapshots snapshots, String name) {
            return snapshots.stream()
                    .filter(m -> m.getMetadata().getPrometheusName().equals(name))
                    .map(m -> ((HistogramSnapshot) m).getDataPoints().get(0))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no metric " + name));
        }
    }
}
