package dev.flowwatch.trainer.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.cuda.CudaUtils;

import dev.flowwatch.flowpp.bundle.Directories;
import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.data.ImageSets;
import dev.flowwatch.flowpp.model.FlowConfig;
import dev.flowwatch.flowpp.model.FlowPlusPlus;
import dev.flowwatch.flowpp.model.LikelihoodScorer;
import dev.flowwatch.flowpp.nn.FusedAttention;
import dev.flowwatch.flowpp.train.FlowTrainer;
import dev.flowwatch.flowpp.train.TrainingListener;
import dev.flowwatch.flowpp.train.TrainingOptions;
import dev.flowwatch.flowpp.train.TrainingProgress;
import dev.flowwatch.flowpp.train.Weights;
import dev.flowwatch.trainer.DeviceOption;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * One case of {@code scripts/bench-model.sh}: the memory and speed of one preset at one input
 * shape, training or scoring, printed as one JSON line. Run each case in a fresh JVM: the peak
 * resident memory it reports (the kernel's VmHWM, what {@code /usr/bin/time -f %M} prints) is a
 * high-water mark of the whole process.
 */
@Command(
        name = "model-benchmark",
        mixinStandardHelpOptions = true,
        description = "Peak memory and speed of one Flow++ preset, training or scoring.")
public final class ModelBenchmark implements Callable<Integer> {

    enum Mode {
        train,
        score
    }

    @Option(names = "--mode", required = true, description = "train or score.")
    Mode mode;

    @Option(names = "--preset", defaultValue = "paper", description = "Preset (default: paper).")
    String preset;

    @Option(
            names = "--shape",
            defaultValue = "1x28x28",
            description = "Input CxHxW (default: ${DEFAULT-VALUE}).")
    String shape;

    @Option(names = "--batch-size", defaultValue = "4", description = "Images per step or pass.")
    int batchSize;

    @Option(
            names = "--micro-batch-size",
            defaultValue = "0",
            description = "Images per pass within a training step, 0 for the batch (default: 0).")
    int microBatchSize;

    @Option(
            names = "--steps",
            defaultValue = "3",
            description =
                    "Training steps; the first is reported apart (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(
            names = "--images",
            defaultValue = "512",
            description = "Images scored, after one warm-up batch (default: ${DEFAULT-VALUE}).")
    int images;

    @Option(
            names = "--passes",
            defaultValue = "1",
            description =
                    "Scoring: batches scored at once, each on a thread of its own (default:"
                            + " ${DEFAULT-VALUE}).")
    int passes;

    @Option(
            names = "--data",
            required = true,
            description =
                    "Fashion-MNIST images (IDX), resampled to the shape: speed and memory do not"
                            + " depend on the content, but a finite first loss does.")
    Path data;

    @Option(
            names = "--profile",
            paramLabel = "FILE",
            description =
                    "Scoring: after the timed batches, profile one more with PyTorch's profiler and"
                            + " write its operators as a Chrome trace (scripts/profile-ops.py sums"
                            + " it). Their times are the host's: on a GPU, run with"
                            + " CUDA_LAUNCH_BLOCKING=1 so that each operator's time includes its"
                            + " kernels.")
    Path profile;

    @Mixin DeviceOption device;

    @Spec CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ModelBenchmark()).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        if (passes < 1 || (passes > 1 && mode != Mode.score)) {
            throw new ParameterException(
                    spec.commandLine(), "--passes N >= 1, and above 1 only with --mode score");
        }
        if (profile != null && mode != Mode.score) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--profile profiles a scored batch: use it with --mode score");
        }
        int[] chw = parseShape(shape);
        FlowConfig config = FlowConfig.preset(preset, chw[0], chw[1], chw[2]);
        int needed =
                mode == Mode.train ? Math.max(batchSize * steps, batchSize) : images + batchSize;
        ImageSet set = Resample.to(ImageSets.load(data), chw[0], chw[1], chw[2], needed);
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("case", mode.name());
        line.put("preset", preset);
        line.put("shape", shape);
        line.put("batch_size", batchSize);
        if (microBatchSize > 0) {
            line.put("micro_batch_size", microBatchSize);
        }
        try (NDManager manager = device.newManager()) {
            FlowPlusPlus model = new FlowPlusPlus(config);
            model.initialize(manager, DataType.FLOAT32);
            line.put("parameters", model.getParameters().size() == 0 ? 0 : parameterCount(model));
            line.put("device", manager.getDevice().toString());
            if (mode == Mode.train) {
                train(model, manager, set, line);
            } else {
                score(model, manager, set, line);
            }
            gpuMemory(manager.getDevice(), line);
        }
        line.put("peak_rss_mb", peakRssMegabytes());
        line.put("peak_heap_mb", peakHeapMegabytes());
        System.out.println(JsonLine.of(line));
        return 0;
    }

    private void train(
            FlowPlusPlus model, NDManager manager, ImageSet set, Map<String, Object> line)
            throws IOException {
        // only the steps are measured: no validation and no abort within them, an initialisation
        // from one batch
        TrainingOptions options =
                TrainingOptions.builder()
                        .setBatchSize(batchSize)
                        .setEpochs(1000)
                        .optMaxSteps(steps)
                        .optValidateEvery(steps + 1)
                        .optValidationImages(batchSize)
                        .optMaxNonFiniteInRow(steps + 1)
                        .optInitImages(batchSize)
                        .optMicroBatchSize(microBatchSize)
                        .build();
        List<Double> seconds = new ArrayList<>();
        List<Double> losses = new ArrayList<>();
        TrainingListener listener =
                new TrainingListener() {
                    private double before;

                    @Override
                    public void onStep(
                            TrainingProgress progress, double bpd, double rate, long total) {
                        seconds.add(progress.trainingSeconds() - before);
                        before = progress.trainingSeconds();
                        losses.add(bpd);
                        if (progress.step() == steps) {
                            // before validation and the checkpoint's encoded weights, which
                            // are the trainer's and not the step's
                            line.put("peak_rss_mb_steps", peakRssMegabytes());
                        }
                    }
                };
        // the trainer's checkpoints: weights and optimiser state, 380 MB for paper
        // a folder of its own: the bundle's writers' lock lies beside it
        Path work = Files.createTempDirectory("model-benchmark");
        long started = System.nanoTime();
        try {
            new FlowTrainer(model, manager, options)
                    .fit(set, set, work.resolve("bundle"), "benchmark", listener);
        } finally {
            Directories.deleteQuietly(work);
        }
        line.put("total_seconds", JsonLine.round((System.nanoTime() - started) / 1e9));
        line.put("first_step_bits_per_dim", JsonLine.round(losses.get(0)));
        line.put("last_step_bits_per_dim", JsonLine.round(losses.get(losses.size() - 1)));
        line.put("first_step_seconds", JsonLine.round(seconds.get(0)));
        line.put(
                "seconds_per_step",
                JsonLine.round(
                        seconds.stream()
                                .skip(1)
                                .mapToDouble(Double::doubleValue)
                                .average()
                                .orElse(seconds.get(0))));
    }

    private void score(
            FlowPlusPlus model, NDManager manager, ImageSet set, Map<String, Object> line) {
        model.initializeFromData(
                manager.create(
                                set.toFloats(0, batchSize),
                                new ai.djl.ndarray.types.Shape(
                                        batchSize, set.channels(), set.height(), set.width()))
                        .toType(DataType.FLOAT32, false),
                batchSize);
        Weights.freeze(model);
        LikelihoodScorer scorer = new LikelihoodScorer(model, manager, 1);
        scorer.score(set.toFloats(0, batchSize), batchSize, 0);
        long started = System.nanoTime();
        double[] bpd =
                scorer.scoreAll(
                                set.slice(batchSize, batchSize + images),
                                batchSize,
                                0,
                                passes,
                                n -> {})
                        .elboBitsPerDim();
        double elapsed = (System.nanoTime() - started) / 1e9;
        line.put("attention", FusedAttention.available() ? "fused" : "explicit");
        line.put("images", images);
        line.put("passes", passes);
        // DJL's switch, read once by its engine: cuDNN then times its convolution algorithms
        line.put("cudnn_benchmark", Boolean.getBoolean("ai.djl.pytorch.cudnn_benchmark"));
        line.put("images_per_second", JsonLine.round(images / elapsed));
        line.put(
                "ms_per_batch",
                JsonLine.round(1000 * elapsed / Math.ceil(images / (double) batchSize)));
        line.put(
                "mean_bits_per_dim",
                JsonLine.round(java.util.Arrays.stream(bpd).average().orElse(0)));
        if (profile != null) {
            JniUtils.startProfile(false, true, false);
            scorer.score(set.toFloats(0, batchSize), batchSize, 0);
            JniUtils.stopProfile(profile.toAbsolutePath().toString());
            line.put("profile", profile.toString());
        }
    }

    private static long parameterCount(FlowPlusPlus model) {
        return model.getParameters().values().stream().mapToLong(p -> p.getArray().size()).sum();
    }

    /** On a GPU, the device's memory in use now (CUDA's view, including PyTorch's cache). */
    private static void gpuMemory(Device device, Map<String, Object> line) {
        if (device.isGpu()) {
            var usage = CudaUtils.getGpuMemory(device);
            line.put("gpu_used_mb", usage.getCommitted() / (1 << 20));
        }
    }

    /** The process's peak resident set (VmHWM), as {@code /usr/bin/time -f %M} reports it. */
    private static long peakRssMegabytes() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("VmHWM:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return -1;
    }

    private static long peakHeapMegabytes() {
        return ManagementFactory.getMemoryPoolMXBeans().stream()
                        .filter(p -> p.getType() == java.lang.management.MemoryType.HEAP)
                        .mapToLong(p -> p.getPeakUsage().getUsed())
                        .sum()
                / (1 << 20);
    }

    private static int[] parseShape(String text) {
        String[] parts = text.toLowerCase(Locale.ROOT).split("x");
        if (parts.length != 3) {
            throw new IllegalArgumentException("shape must be CxHxW, got " + text);
        }
        return new int[] {
            Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2])
        };
    }
}
