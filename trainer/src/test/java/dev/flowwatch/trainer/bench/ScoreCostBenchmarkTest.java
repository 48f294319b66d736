package dev.flowwatch.trainer.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.flowwatch.trainer.Cli;
import dev.flowwatch.trainer.TinyData;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The kinds' and steps' times of a tiny bundle with a dose calibration. */
class ScoreCostBenchmarkTest {

    @TempDir static Path shared;

    private static Path data;
    private static Path bundle;

    @BeforeAll
    static void calibrateATinyModelWithEveryDosePart() throws IOException {
        data = TinyData.write(shared, "tiny", 40, 7);
        bundle = shared.resolve("model");
        assertEquals(0, Cli.trainTiny(data, bundle).exitCode());
        Cli orientation =
                Cli.run(
                        "train-orientation",
                        "--model",
                        bundle.toString(),
                        "--data",
                        data.toString(),
                        "--steps",
                        "2",
                        "--batch-size",
                        "8",
                        "--hidden",
                        "2",
                        "--validation-images",
                        "0");
        assertEquals(0, orientation.exitCode(), orientation.toString());
    }

    @Test
    void everyStepOfTheCalibratedDoseIsTimedAndTheKindsCompared() {
        calibrate("complexity,dose");

        List<JsonObject> lines = run("--batch-size", "8", "--batches", "3");

        assertEquals(8, lines.get(0).get("batch_size").getAsInt());
        Map<String, JsonObject> kinds = byField(lines, "kind");
        assertEquals(List.of("complexity", "dose"), List.copyOf(kinds.keySet()));
        assertEquals(1.0, kinds.get("complexity").get("of_complexity").getAsDouble());
        JsonObject dose = kinds.get("dose");
        // timings of a few tiny batches say nothing of which kind is faster: only that they ran
        assertTrue(dose.get("of_complexity").getAsDouble() > 0, dose.toString());
        // complexity's steps are some of dose's, so by the steps dose cannot be the faster
        double bySteps = dose.get("of_complexity_by_steps").getAsDouble();
        assertTrue(bySteps > 0 && bySteps <= 1, dose.toString());
        assertEquals(
                8000 / dose.get("ms_per_batch").getAsDouble(),
                dose.get("images_per_second").getAsDouble(),
                0.01 * dose.get("images_per_second").getAsDouble());

        Map<String, JsonObject> steps = byField(lines, "step");
        assertEquals(
                List.of(
                        "flow",
                        "orientation",
                        "complexity",
                        "image_statistics",
                        "outline",
                        "shape_descriptors",
                        "shape_search",
                        "dose_judgement"),
                List.copyOf(steps.keySet()));
        assertTrue(steps.get("flow").get("ms_per_batch").getAsDouble() > 0);
        double shares =
                steps.values().stream()
                        .mapToDouble(s -> s.get("share_of_dose_steps").getAsDouble())
                        .sum();
        assertEquals(1.0, shares, 0.01);
    }

    @Test
    void aPartLeftOutOfTheCalibrationIsNotTimed() {
        calibrate("complexity,dose", "--no-dose-orientation", "--no-dose-outline");

        Map<String, JsonObject> steps = byField(run("--batch-size", "8", "--batches", "1"), "step");

        assertTrue(steps.containsKey("shape_search"), steps.keySet().toString());
        assertFalse(steps.containsKey("orientation"), steps.keySet().toString());
        assertFalse(steps.containsKey("outline"), steps.keySet().toString());
    }

    @Test
    void aBundleWithoutADoseModelIsAUsageErrorNamingTheFix() {
        calibrate("bpd");
        StringWriter err = new StringWriter();
        CommandLine commandLine = new CommandLine(new ScoreCostBenchmark());
        commandLine.setErr(new PrintWriter(err, true));

        int exit =
                commandLine.execute(
                        "--model", bundle.toString(), "--data", data.toString(), "--device", "cpu");

        assertEquals(2, exit);
        assertTrue(err.toString().contains("--score-kinds dose"), err.toString());
    }

    private static void calibrate(String kinds, String... options) {
        Cli calibrate =
                Cli.run(
                        List.of(
                                "calibrate",
                                "--model",
                                bundle.toString(),
                                "--data",
                                data.toString(),
                                "--score-kinds",
                                kinds),
                        options);
        assertEquals(0, calibrate.exitCode(), calibrate.toString());
    }

    /** The benchmark's JSON lines; it prints to standard output, as scripts read it. */
    private static List<JsonObject> run(String... options) {
        PrintStream before = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            List<String> args =
                    new ArrayList<>(
                            List.of(
                                    "--model",
                                    bundle.toString(),
                                    "--data",
                                    data.toString(),
                                    "--device",
                                    "cpu"));
            args.addAll(List.of(options));
            exit = new CommandLine(new ScoreCostBenchmark()).execute(args.toArray(String[]::new));
        } finally {
            System.setOut(before);
        }
        assertEquals(0, exit, out.toString(StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8)
                .lines()
                .map(l -> JsonParser.parseString(l).getAsJsonObject())
                .toList();
    }

    private static Map<String, JsonObject> byField(List<JsonObject> lines, String field) {
        return lines.stream()
                .filter(l -> l.has(field))
                .collect(
                        Collectors.toMap(
                                l -> l.get(field).getAsString(),
                                Function.identity(),
                                (a, b) -> a,
                                LinkedHashMap::new));
    }
}
