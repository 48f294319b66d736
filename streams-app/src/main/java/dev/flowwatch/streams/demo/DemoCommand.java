package dev.flowwatch.streams.demo;

import ai.djl.ndarray.NDManager;

import dev.flowwatch.flowpp.bundle.Directories;
import dev.flowwatch.flowpp.bundle.ModelBundle;
import dev.flowwatch.flowpp.data.ImageCorruptions;
import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.score.Calibration;
import dev.flowwatch.flowpp.score.ScoreKind;
import dev.flowwatch.schemas.FlowwatchSerdes;
import dev.flowwatch.schemas.ImageEvent;
import dev.flowwatch.schemas.RegistryAvroSerializer;
import dev.flowwatch.schemas.SchemaRegistryClient;
import dev.flowwatch.streams.FlowwatchApp;
import dev.flowwatch.streams.config.AppConfig;
import dev.flowwatch.streams.config.OutputFormat;
import dev.flowwatch.streams.embedded.EmbeddedKafka;
import dev.flowwatch.streams.engine.Uncalibrated;
import dev.flowwatch.streams.topology.AnomalyDecider;

import org.apache.kafka.common.serialization.Serializer;

import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code demo}: the whole pipeline on one machine with nothing installed. Starts a Kafka broker in
 * this JVM (unless given one), finds or trains a model, calibrates the threshold, runs the app and
 * replays Fashion-MNIST with injected anomalies, printing what happens every two seconds.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description =
                "Run the app on an embedded Kafka broker against replayed Fashion-MNIST with"
                        + " injected anomalies.")
public final class DemoCommand implements Callable<Integer> {

    private static final double THRESHOLD_QUANTILE = 0.99;
    private static final long SUMMARY_EVERY_MS = 2000;
    private static final String BATCH_SIZE_HISTOGRAM = "flowwatch_batch_size";

    /**
     * Parent of the app's state directory: beside the demo's trained model rather than in the OS
     * temp directory, which the OS may clear under a running app (Kafka Streams warns of it).
     */
    private static final Path STATE_PARENT = Path.of("runs");

    @Option(
            names = "--model",
            defaultValue = "data/models/fashion-mnist-small",
            description =
                    "Model bundle directory; when absent a small model is trained (default:"
                            + " ${DEFAULT-VALUE}).")
    Path model;

    @Option(
            names = "--train-minutes",
            defaultValue = "5",
            description = "Training time when no model exists (default: ${DEFAULT-VALUE}).")
    double trainMinutes;

    @Option(
            names = "--train-into",
            defaultValue = "runs/demo-model",
            description =
                    "Where a model trained by the demo goes, and is reused from (default:"
                            + " ${DEFAULT-VALUE}).")
    Path trainInto;

    @Option(
            names = "--data",
            defaultValue = "data",
            description = "Data directory (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(
            names = "--threshold",
            description =
                    "Anomaly threshold in ELBO bits/dim; default: calibrated as the "
                            + "99th percentile over the first "
                            + DemoData.CALIBRATION_IMAGES
                            + " normal test images. Unused when the"
                            + " bundle holds a calibration of the score kind.")
    Double threshold;

    @Option(
            names = "--score-kind",
            converter = ScoreKindName.class,
            description =
                    "bpd, complexity, likelihood_ratio or dose (default: dose when the"
                            + " bundle's calibration.json covers it, as the bundled model's does,"
                            + " else complexity when it covers that, else bpd). With a calibration events get conformal p-values and"
                            + " alert at p < 0.01; without one only bpd works, on a threshold.")
    ScoreKind scoreKind;

    @Option(
            names = "--rate",
            description =
                    "Events per second (default: 60%% of what the app's scoring engine manages on"
                            + " demo images, measured for a few seconds before the replay).")
    Double rate;

    @Option(
            names = "--anomaly-rate",
            defaultValue = "0.05",
            description = "Fraction of injected anomalies (default: ${DEFAULT-VALUE}).")
    double anomalyRate;

    @Option(
            names = "--malformed-rate",
            defaultValue = "0.01",
            description = "Fraction of malformed records (default: ${DEFAULT-VALUE}).")
    double malformedRate;

    @Option(
            names = "--seed",
            defaultValue = "42",
            description = "Seed of the traffic (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--duration",
            description = "Stop after this many seconds (default: run until Ctrl-C).")
    Long durationSeconds;

    @Option(
            names = "--metrics-port",
            defaultValue = "9400",
            description =
                    "Port of the app's /metrics endpoint, 0 for any free one (default:"
                            + " ${DEFAULT-VALUE}).")
    int metricsPort;

    @Option(
            names = "--bootstrap-servers",
            description = "Use this Kafka cluster instead of an embedded broker.")
    String bootstrapServers;

    @Option(
            names = "--schema-registry",
            paramLabel = "URL",
            description =
                    "A schema registry's Confluent-compatible URL (Confluent or Karapace:"
                            + " http://host:8081; Apicurio: http://host:8080/apis/ccompat/v7):"
                            + " events are produced in its frame (0x00, the id of the ImageEvent"
                            + " schema registered under <images topic>-value, Avro), the app reads"
                            + " them through it and writes scores and alerts in the same frame"
                            + " (output.format=registry). Default: Avro single-object encoding,"
                            + " no registry.")
    String schemaRegistry;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        DemoTraffic.Mix mix = new DemoTraffic.Mix(anomalyRate, malformedRate);
        DemoData images = DemoData.load(data);
        Path modelDir = DemoModel.resolve(model, trainInto, trainMinutes, images.train(), out);
        // The demo's own settings depend on what the bundle is calibrated for, so it looks once,
        // before the app exists; the app's engine reads the bundle for itself, and whatever the
        // demo reports about the running app comes from that engine.
        Optional<Calibration> bundleCalibration = Calibration.find(modelDir);
        if (scoreKind == null) {
            // the score with the best worst kind of scripts/bench-scores.sh, where the bundle
            // allows it
            scoreKind =
                    List.of(ScoreKind.DOSE, ScoreKind.COMPLEXITY).stream()
                            .filter(k -> bundleCalibration.map(c -> c.has(k)).orElse(false))
                            .findFirst()
                            .orElse(ScoreKind.BPD);
        }
        boolean calibrated = bundleCalibration.map(c -> c.has(scoreKind)).orElse(false);
        if (!calibrated && scoreKind != ScoreKind.BPD) {
            out.printf(
                    "score kind %s needs a calibration, but %s: %s%n",
                    scoreKind.id(),
                    Uncalibrated.why(modelDir, bundleCalibration, scoreKind),
                    Uncalibrated.fix(modelDir, scoreKind));
            return 1;
        }
        Double bpdThreshold =
                calibrated || scoreKind != ScoreKind.BPD
                        ? null
                        : threshold != null ? threshold : calibrate(modelDir, images, out);

        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook =
                new Thread(
                        () -> {
                            stop.countDown();
                            awaitQuietly(stopped);
                        },
                        "flowwatch-demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        EmbeddedKafka kafka = null;
        FlowwatchApp app = null;
        OutputMonitor monitor = null;
        TrafficProducer producer = null;
        PacedReplay replay = null;
        Path stateDir =
                Files.createTempDirectory(Files.createDirectories(STATE_PARENT), "demo-state-");
        try {
            if (bootstrapServers == null) {
                out.println("starting embedded Kafka broker ...");
                kafka = EmbeddedKafka.start();
            }
            String bootstrap = kafka != null ? kafka.bootstrapServers() : bootstrapServers;
            AppConfig config =
                    AppConfig.load(
                            null,
                            System.getenv(),
                            appSettings(bootstrap, modelDir, bpdThreshold, stateDir));
            out.printf("starting flowwatch on %s ...%n", bootstrap);
            app = FlowwatchApp.start(config);
            // the app's own policy on what its engine read: the threshold it applies
            double appThreshold =
                    AnomalyDecider.forConfig(
                                    config,
                                    app.engine().calibration(),
                                    app.engine().modelId(),
                                    app.engine().modelVersion())
                            .threshold();
            if (calibrated) {
                out.printf(
                        Locale.ROOT,
                        "threshold: %.4f (%s score with conformal p-value < %s, from %s)%n",
                        appThreshold,
                        scoreKind.id(),
                        config.alertTargetFalseAlarmRate(),
                        modelDir.resolve(Calibration.FILE));
            }
            awaitReady(app);
            ReplayRate replayRate =
                    rate != null
                            ? ReplayRate.given(rate)
                            : measureRate(app, images, config.batchMaxSize(), out);
            String metricsUrl = "http://localhost:" + app.metricsPort() + "/metrics";
            DemoStats stats = new DemoStats();
            Optional<SchemaRegistryClient> registry =
                    config.schemaRegistry()
                            .map(
                                    r ->
                                            new SchemaRegistryClient(
                                                    r, SchemaRegistryClient.Listener.NONE));
            monitor =
                    new OutputMonitor(
                            bootstrap,
                            config.topicScores(),
                            config.topicAlerts(),
                            config.topicDlq(),
                            stats,
                            registry);
            producer = new TrafficProducer(bootstrap, config.topicImages());
            registry.ifPresent(
                    r ->
                            out.printf(
                                    "schema registry %s: events in its Confluent frame (subject"
                                            + " %s-value), scores and alerts too%n",
                                    schemaRegistry, config.topicImages()));
            Serializer<ImageEvent> events =
                    registry.<Serializer<ImageEvent>>map(
                                    r ->
                                            RegistryAvroSerializer.register(
                                                    ImageEvent.class,
                                                    r,
                                                    config.topicImages() + "-value"))
                            .orElseGet(() -> FlowwatchSerdes.imageEvent().serializer());
            DemoTraffic traffic =
                    new DemoTraffic(
                            images.replay(), images.digits(), mix, seed, Clock.systemUTC(), events);
            replay =
                    new PacedReplay(traffic, producer, replayRate.eventsPerSecond(), stats::onSent)
                            .start();
            out.printf(
                    Locale.ROOT,
                    "replay rate %.1f events/s: %s%n",
                    replayRate.eventsPerSecond(),
                    replayRate.reason());
            out.printf(
                    Locale.ROOT,
                    "replaying at %.1f events/s (%.0f%% anomalies, %.0f%% malformed); threshold"
                            + " %.4f bits/dim (%s); metrics at %s (probes /ready, /healthz)%s%n",
                    replayRate.eventsPerSecond(),
                    100 * anomalyRate,
                    100 * malformedRate,
                    appThreshold,
                    scoreKind.id(),
                    metricsUrl,
                    durationSeconds == null ? "; Ctrl-C stops" : "");
            report(
                    stop,
                    stats,
                    new LiveSummary(metricsUrl, config.batchMaxSize(), appThreshold, scoreKind),
                    new MetricsProbe(URI.create(metricsUrl), BATCH_SIZE_HISTOGRAM),
                    out);
            return 0;
        } finally {
            out.println("stopping: producer, app, consumers, broker ...");
            List<Exception> failures = new ArrayList<>();
            closeQuietly(replay, failures);
            closeQuietly(producer, failures);
            closeQuietly(app, failures);
            closeQuietly(monitor, failures);
            closeQuietly(kafka, failures);
            Directories.deleteQuietly(stateDir);
            stopped.countDown();
            if (stop.getCount() > 0) {
                Runtime.getRuntime().removeShutdownHook(hook);
            }
            failures.forEach(e -> out.println("while stopping: " + e));
            out.println("stopped.");
        }
    }

    /**
     * @param bpdThreshold null when the bundle's calibration decides
     */
    private Map<String, String> appSettings(
            String bootstrap, Path modelDir, Double bpdThreshold, Path stateDir) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("bootstrap.servers", bootstrap);
        settings.put("application.id", "flowwatch-demo");
        settings.put("model.dir", modelDir.toString());
        settings.put("score.kind", scoreKind.id());
        if (bpdThreshold != null) {
            settings.put("threshold.bpd", Double.toString(bpdThreshold));
        }
        settings.put("metrics.port", Integer.toString(metricsPort));
        settings.put("state.dir", stateDir.toString());
        settings.put("topics.create", "true");
        if (schemaRegistry != null) {
            settings.put("schema.registry.url", schemaRegistry);
            settings.put("output.format", OutputFormat.REGISTRY.id());
        }
        return settings;
    }

    /** The app's engine, idle until the replay starts, scores batches of demo images. */
    private static ReplayRate measureRate(
            FlowwatchApp app, DemoData images, int batchSize, PrintStream out) {
        ImageSet normals = images.replay();
        List<byte[]> batch = new ArrayList<>();
        for (int i = 0; i < Math.min(batchSize, normals.size()); i++) {
            batch.add(ImageCorruptions.hwc(normals, i));
        }
        out.printf("measuring the scoring engine on batches of %d images ...%n", batch.size());
        return ReplayRate.measured(app.engine(), batch, System::nanoTime);
    }

    private static double calibrate(Path modelDir, DemoData images, PrintStream out) {
        try (NDManager manager = NDManager.newBaseManager()) {
            ModelBundle bundle = ModelBundle.load(modelDir, manager);
            double t =
                    ThresholdCalibrator.calibrate(
                            bundle.model(), manager, images.calibration(), THRESHOLD_QUANTILE);
            out.printf(
                    Locale.ROOT,
                    "threshold: %.4f bits/dim (the %.0fth percentile of ELBO bits/dim over %d"
                            + " held-out normal images, model %s)%n",
                    t,
                    100 * THRESHOLD_QUANTILE,
                    images.calibration().size(),
                    bundle.manifest().modelId());
            return t;
        }
    }

    /**
     * Prints a summary every two seconds until stopped by Ctrl-C or the duration, then a final one.
     */
    private void report(
            CountDownLatch stop,
            DemoStats stats,
            LiveSummary summary,
            MetricsProbe probe,
            PrintStream out)
            throws InterruptedException {
        long start = System.nanoTime();
        long end =
                durationSeconds == null
                        ? Long.MAX_VALUE
                        : start + TimeUnit.SECONDS.toNanos(durationSeconds);
        stats.snapshot();
        probe.intervalMean();
        while (true) {
            long wait =
                    Math.min(
                            SUMMARY_EVERY_MS,
                            TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()));
            boolean stopped = wait <= 0 || stop.await(wait, TimeUnit.MILLISECONDS);
            double elapsed = (System.nanoTime() - start) / 1e9;
            DemoStats.Snapshot snapshot = stats.snapshot();
            out.print(summary.render(snapshot, probe.intervalMean(), elapsed));
            if (stopped || System.nanoTime() >= end) {
                out.print(summary.limits(snapshot));
                return;
            }
        }
    }

    private static void awaitReady(FlowwatchApp app) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!app.isReady()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "the app did not become ready within 2 minutes (state "
                                + app.state()
                                + ")");
            }
            Thread.sleep(100);
        }
    }

    private static void closeQuietly(AutoCloseable resource, List<Exception> failures) {
        if (resource == null) {
            return;
        }
        try {
            resource.close();
        } catch (Exception e) {
            failures.add(e);
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static final class ScoreKindName implements ITypeConverter<ScoreKind> {
        @Override
        public ScoreKind convert(String value) {
            try {
                return ScoreKind.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
