package dev.flowwatch.trainer.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.flowwatch.flowpp.data.IdxFormat;
import dev.flowwatch.flowpp.data.ImageSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

/** What bench-gpu.sh's profile group reads of ModelBenchmark. */
class ModelBenchmarkTest {

    @TempDir Path dir;

    @Test
    void profileWritesTheOperatorsOfOneScoredBatchAsAChromeTrace() throws IOException {
        Path images = noise(dir, 8);
        Path trace = dir.resolve("trace.json");

        int exit =
                new CommandLine(new ModelBenchmark())
                        .execute(
                                "--mode", "score",
                                "--preset", "tiny",
                                "--shape", "1x8x8",
                                "--batch-size", "4",
                                "--images", "4",
                                "--data", images.toString(),
                                "--device", "cpu",
                                "--profile", trace.toString());

        assertEquals(0, exit);
        Set<String> operators = new HashSet<>();
        for (JsonElement e : JsonParser.parseString(Files.readString(trace)).getAsJsonArray()) {
            JsonObject event = e.getAsJsonObject();
            operators.add(event.get("name").getAsString());
            assertTrue(event.get("dur").getAsLong() >= 0, event.toString());
        }
        // the coupling networks' convolutions and (fused) attention, and the mixture's log-sum-exp
        assertTrue(operators.contains("aten::conv2d"), operators.toString());
        assertTrue(operators.contains("aten::scaled_dot_product_attention"), operators.toString());
        assertTrue(operators.contains("aten::exp"), operators.toString());
    }

    @Test
    void aTrainingRunLeavesNoCheckpointsBehind() throws IOException {
        Path images = noise(dir, 8);
        // where Files.createTempDirectory writes: the JDK fixes it at start, before surefire
        // sets java.io.tmpdir
        Path probe = Files.createTempDirectory("probe");
        Files.delete(probe);
        Path tmp = probe.getParent();
        Set<Path> before = workDirectories(tmp);

        int exit =
                new CommandLine(new ModelBenchmark())
                        .execute(
                                "--mode", "train",
                                "--preset", "tiny",
                                "--shape", "1x8x8",
                                "--batch-size", "4",
                                "--steps", "2",
                                "--data", images.toString(),
                                "--device", "cpu");

        assertEquals(0, exit);
        // each run of the paper preset wrote 380 MB of checkpoints there and left them
        assertEquals(before, workDirectories(tmp));
    }

    private static Set<Path> workDirectories(Path tmp) throws IOException {
        try (var paths = Files.list(tmp)) {
            return paths.filter(p -> p.getFileName().toString().startsWith("model-benchmark"))
                    .collect(Collectors.toSet());
        }
    }

    @Test
    void profileOfATrainingRunIsRefusedRatherThanIgnored() {
        StringWriter err = new StringWriter();
        CommandLine commandLine = new CommandLine(new ModelBenchmark());
        commandLine.setErr(new PrintWriter(err, true));

        int exit =
                commandLine.execute(
                        "--mode", "train",
                        "--data", dir.resolve("absent-images-idx3-ubyte.gz").toString(),
                        "--profile", dir.resolve("trace.json").toString());

        assertEquals(2, exit);
        assertTrue(err.toString().contains("use it with --mode score"), err.toString());
        assertTrue(Files.notExists(dir.resolve("trace.json")));
    }

    private static Path noise(Path dir, int count) throws IOException {
        byte[] pixels = new byte[count * 8 * 8];
        new Random(1).nextBytes(pixels);
        Path images = dir.resolve("noise-images-idx3-ubyte.gz");
        IdxFormat.write(images, ImageSet.of(pixels, 1, 8, 8, null, "noise"));
        return images;
    }
}
