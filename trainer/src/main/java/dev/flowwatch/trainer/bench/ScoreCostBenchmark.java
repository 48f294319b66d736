package dev.flowwatch.trainer.bench;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;

import dev.flowwatch.flowpp.bundle.ModelBundle;
import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.data.ImageSets;
import dev.flowwatch.flowpp.model.FlowPlusPlus;
import dev.flowwatch.flowpp.model.LikelihoodScorer;
import dev.flowwatch.flowpp.nn.Tensors;
import dev.flowwatch.flowpp.orientation.OrientationNet;
import dev.flowwatch.flowpp.score.AnomalyScores;
import dev.flowwatch.flowpp.score.Calibration;
import dev.flowwatch.flowpp.score.DoseModel;
import dev.flowwatch.flowpp.score.DoseStatistics;
import dev.flowwatch.flowpp.score.ImageStatistics;
import dev.flowwatch.flowpp.score.ScoreKind;
import dev.flowwatch.trainer.DeviceOption;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * What a batch costs the scoring engine under score kind complexity and under dose, and where
 * dose's time goes, step by step: one JSON line per kind and per step. Each kind's batch is timed
 * as the engine computes it (the forward pass with what the kind needs of the model, the statistics
 * of the images, the score), one after the other, the two kinds alternating which goes first; then
 * each step alone. Every step uses all the host's cores, as the engine's do; the engine overlaps
 * the images' statistics with the forward pass, which on a CPU that the pass already fills saves
 * nothing. So on a CPU the ratio of the kinds' times is a lower bound of the ratio of their stream
 * throughputs (the stream's own work, the same for both kinds, brings that nearer 1), measured
 * without the noise of a whole stream's run (README, "Results: streaming").
 */
@Command(
        name = "score-cost-benchmark",
        mixinStandardHelpOptions = true,
        description =
                "Time per batch of score kinds complexity and dose with the bundle's calibration,"
                        + " and of each step of dose.")
public final class ScoreCostBenchmark implements Callable<Integer> {

    /** The engine's seed of the dequantization noise. */
    private static final int SEED = 42;

    @Option(
            names = "--model",
            required = true,
            description = "A bundle whose calibration has the dose model.")
    Path model;

    @Option(names = "--data", required = true, description = "Images of the model's size.")
    Path data;

    @Option(
            names = "--batch-size",
            defaultValue = "64",
            description = "Images per batch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(
            names = "--batches",
            defaultValue = "60",
            description = "Batches timed, after two warm-up batches (default: ${DEFAULT-VALUE}).")
    int batches;

    @Mixin DeviceOption device;

    @Spec CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ScoreCostBenchmark()).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        if (batchSize < 1 || batches < 1) {
            throw new ParameterException(
                    spec.commandLine(), "--batch-size and --batches must be at least 1");
        }
        Calibration calibration = Calibration.read(model);
        DoseModel dose =
                calibration
                        .dose()
                        .orElseThrow(
                                () ->
                                        new ParameterException(
                                                spec.commandLine(),
                                                "the calibration of "
                                                        + model
                                                        + " has no dose model (or one made for"
                                                        + " other weights): run 'flowpp-trainer"
                                                        + " calibrate' with --score-kinds dose"));
        ImageSet images = ImageSets.load(data);
        if (images.size() < batchSize) {
            throw new ParameterException(
                    spec.commandLine(),
                    "%d images in %s, fewer than one batch of %d"
                            .formatted(images.size(), data, batchSize));
        }
        try (NDManager manager = device.newManager()) {
            Costs costs = new Costs(ModelBundle.load(model, manager), calibration, dose, manager);
            int perSet = images.size() / batchSize;
            for (int b = -2; b < batches; b++) {
                int from = Math.floorMod(b, perSet) * batchSize;
                costs.time(images.slice(from, from + batchSize), b >= 0, (b & 1) == 0);
            }
            Map<String, Object> header = new LinkedHashMap<>();
            header.put("nproc", Runtime.getRuntime().availableProcessors());
            header.put("device", manager.getDevice().toString());
            header.put("model", model.toString());
            header.put("batch_size", batchSize);
            header.put("batches", batches);
            System.out.println(JsonLine.of(header));
            costs.report(batches, batchSize).forEach(line -> System.out.println(JsonLine.of(line)));
        }
        return 0;
    }

    /** The kinds' and the steps' summed times, and what each step needs to run. */
    private static final class Costs {

        private final Calibration calibration;
        private final DoseModel dose;
        private final NDManager manager;
        private final AnomalyScores scores;
        private final LikelihoodScorer flow;
        private final LikelihoodScorer doseFlow;
        private final LikelihoodScorer background;
        private final OrientationNet orientation;
        private final Map<String, Long> kindNanos = new LinkedHashMap<>();
        private final Map<String, Long> stepNanos = new LinkedHashMap<>();

        Costs(ModelBundle bundle, Calibration calibration, DoseModel dose, NDManager manager) {
            this.calibration = calibration;
            this.dose = dose;
            this.manager = manager;
            this.scores = AnomalyScores.of(calibration);
            this.flow = new LikelihoodScorer(bundle.model(), manager, SEED);
            // the engine's scorer for dose: the background and the orientation network only
            // where the calibration uses them (the engine refuses a bundle that lacks them)
            FlowPlusPlus backgroundModel =
                    DoseStatistics.usesBackground(dose.statistics())
                            ? bundle.background().orElseThrow().model()
                            : null;
            this.background =
                    backgroundModel == null
                            ? null
                            : new LikelihoodScorer(backgroundModel, manager, SEED);
            this.orientation = dose.usesOrientation() ? bundle.orientation().orElseThrow() : null;
            this.doseFlow =
                    new LikelihoodScorer(bundle.model(), backgroundModel, manager, SEED)
                            .withOrientation(orientation);
        }

        void time(ImageSet batch, boolean counted, boolean complexityFirst) {
            float[] pixels = batch.toFloats(0, batch.size());
            if (complexityFirst) {
                kind(ScoreKind.COMPLEXITY, flow, batch, pixels, counted);
                kind(ScoreKind.DOSE, doseFlow, batch, pixels, counted);
            } else {
                kind(ScoreKind.DOSE, doseFlow, batch, pixels, counted);
                kind(ScoreKind.COMPLEXITY, flow, batch, pixels, counted);
            }
            steps(batch, pixels, counted);
        }

        /** One batch's scores of the kind, computed as the engine computes them. */
        private void kind(
                ScoreKind kind,
                LikelihoodScorer scorer,
                ImageSet batch,
                float[] pixels,
                boolean counted) {
            time(
                    kindNanos,
                    counted,
                    kind.id(),
                    () -> {
                        ImageStatistics images = ImageStatistics.of(batch);
                        scores.computeImageStatistics(kind, images);
                        scores.batch(scorer.score(pixels, batch.size(), 0), images).scores(kind);
                    });
        }

        /** Dose's steps one by one, each on what the ones before computed. */
        private void steps(ImageSet batch, float[] pixels, boolean counted) {
            LikelihoodScorer.Scores[] bounds = new LikelihoodScorer.Scores[1];
            step(counted, "flow", () -> bounds[0] = flow.score(pixels, batch.size(), 0));
            double[][] backgroundBpd = new double[1][];
            if (background != null) {
                step(
                        counted,
                        "background",
                        () ->
                                backgroundBpd[0] =
                                        background.score(pixels, batch.size(), 0).elboBitsPerDim());
            }
            double[][] turned = new double[1][];
            if (orientation != null) {
                step(counted, "orientation", () -> turned[0] = surprise(pixels, batch));
            }
            ImageStatistics images = ImageStatistics.of(batch);
            step(counted, "complexity", () -> images.complexity(calibration.compressor(), 0));
            step(
                    counted,
                    "image_statistics",
                    () -> DoseStatistics.computeImageStatistics(dose.statistics(), images));
            if (dose.usesOutline()) {
                step(counted, "outline", () -> images.outline(0));
            }
            if (dose.usesShape()) {
                step(counted, "shape_descriptors", images::shapes);
                step(counted, "shape_search", () -> images.shapeMatches(dose));
            }
            LikelihoodScorer.Scores b = bounds[0];
            LikelihoodScorer.Scores all =
                    new LikelihoodScorer.Scores(
                            b.elboNats(),
                            b.elboBitsPerDim(),
                            null,
                            null,
                            backgroundBpd[0],
                            b.terms(),
                            turned[0]);
            step(counted, "dose_judgement", () -> scores.batch(all, images).doseJudgements());
        }

        private double[] surprise(float[] pixels, ImageSet batch) {
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                Shape shape =
                        new Shape(batch.size(), batch.channels(), batch.height(), batch.width());
                return Tensors.toDoubles(orientation.surprise(manager.create(pixels, shape)));
            }
        }

        private void step(boolean counted, String name, Runnable work) {
            time(stepNanos, counted, name, work);
        }

        private static void time(
                Map<String, Long> into, boolean counted, String name, Runnable work) {
            long started = System.nanoTime();
            work.run();
            long elapsed = System.nanoTime() - started;
            if (counted) {
                into.merge(name, elapsed, Long::sum);
            }
        }

        List<Map<String, Object>> report(int batches, int batchSize) {
            double complexity = kindNanos.get("complexity") / 1e6 / batches;
            List<Map<String, Object>> lines = new ArrayList<>();
            lines.add(kindLine("complexity", complexity, complexity, batchSize));
            Map<String, Object> dose =
                    kindLine("dose", kindNanos.get("dose") / 1e6 / batches, complexity, batchSize);
            lines.add(dose);
            double stepsMs = stepNanos.values().stream().mapToLong(Long::longValue).sum() / 1e6;
            // complexity's own steps are dose's flow and complexity: measured once for both,
            // their run-to-run noise cancels in the ratio, which the kinds' totals do not share
            dose.put(
                    "of_complexity_by_steps",
                    JsonLine.round(
                            (stepNanos.get("flow") + stepNanos.get("complexity")) / 1e6 / stepsMs));
            stepNanos.forEach(
                    (name, nanos) -> {
                        Map<String, Object> line = new LinkedHashMap<>();
                        line.put("step", name);
                        line.put("ms_per_batch", JsonLine.round(nanos / 1e6 / batches));
                        line.put("share_of_dose_steps", JsonLine.round(nanos / 1e6 / stepsMs));
                        lines.add(line);
                    });
            return lines;
        }

        private static Map<String, Object> kindLine(
                String kind, double ms, double complexityMs, int batchSize) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("kind", kind);
            line.put("ms_per_batch", JsonLine.round(ms));
            line.put("images_per_second", JsonLine.round(1000 * batchSize / ms));
            line.put("of_complexity", JsonLine.round(complexityMs / ms));
            return line;
        }
    }
}
