package dev.flowwatch.flowpp.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

class TensorsTest {

    /**
     * The regression test of the README's old "known issue": with DJL's {@code x.mul(3)} the
     * gradient below is NaN or garbage in every run, because autograd reads the scalar 3 from a
     * Java buffer that the collection has freed. float32 constants are filled on the device,
     * float64 ones through a host scalar: both must survive.
     */
    @Test
    void constantArithmeticKeepsItsGradientAcrossAGarbageCollection() {
        for (DataType type : List.of(DataType.FLOAT64, DataType.FLOAT32)) {
            try (NDManager manager = NDManager.newBaseManager()) {
                NDArray x = manager.create(new double[] {-1, 0.25, 1}).toType(type, false);
                x.setRequiresGradient(true);
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray y =
                            Tensors.mul(Tensors.add(x, 1), 3)
                                    .add(Tensors.rsub(Tensors.div(x, 4), 2))
                                    .add(Tensors.clip(Tensors.sub(x, 0.5), 0, 1))
                                    .add(Tensors.maximum(x, 0.5))
                                    .sum();
                    GarbageCollections.collectAndReuseFreedMemory();
                    collector.backward(y);
                }
                // d/dx of 3(x + 1) + 2 − x/4 + clip(x − 0.5, 0, 1) + max(x, 0.5): 2.75, plus 1
                // where 0.5 < x < 1.5 and 1 where x > 0.5
                assertArrayEquals(
                        new double[] {2.75, 2.75, 4.75},
                        x.getGradient().toType(DataType.FLOAT64, false).toDoubleArray(),
                        0.0,
                        type.toString());
            }
        }
    }

    @Test
    void aConstantHasItsArraysTypeAndDeviceAndFloat64KeepsEveryBit() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray single = Tensors.constant(manager.zeros(new Shape(2)), Math.PI);
            assertEquals(DataType.FLOAT32, single.getDataType());
            assertEquals(new Shape(), single.getShape());
            assertEquals((float) Math.PI, single.getFloat());
            NDArray wide = Tensors.constant(manager.zeros(new Shape(2), DataType.FLOAT64), Math.PI);
            assertEquals(Math.PI, wide.getDouble());
            NDArray whole = Tensors.constant(manager.zeros(new Shape(2), DataType.INT32), 2);
            assertEquals(2, whole.getInt());
            assertEquals(manager.getDevice(), whole.getDevice());
        }
    }

    /**
     * DJL's arithmetic with a Java number ({@code x.add(Number)}, {@code clip}, {@code set(index,
     * Number)} …) copies the number to the device and waits for the GPU each time (see {@link
     * Tensors}); only {@link Tensors} itself may use it, for float64 constants.
     */
    @Test
    void noModelLibraryCodeUsesDjlsArithmeticWithJavaNumbers() throws URISyntaxException {
        Path classes =
                Path.of(Tensors.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> descriptors =
                List.of(
                        "(Ljava/lang/Number;)Lai/djl/ndarray/NDArray;",
                        "(Ljava/lang/Number;Ljava/lang/Number;)Lai/djl/ndarray/NDArray;",
                        "(Lai/djl/ndarray/index/NDIndex;Ljava/lang/Number;)V");
        List<String> offenders;
        try (Stream<Path> files = Files.walk(classes)) {
            offenders =
                    files.filter(f -> f.toString().endsWith(".class"))
                            .filter(f -> !f.getFileName().toString().equals("Tensors.class"))
                            .filter(f -> descriptors.stream().anyMatch(readLatin1(f)::contains))
                            .map(f -> classes.relativize(f).toString())
                            .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertTrue(
                classes.resolve("dev/flowwatch/flowpp/model/FlowPlusPlus.class").toFile().isFile());
        assertEquals(List.of(), offenders);
    }

    private static String readLatin1(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Rows whose terms lie far apart (a saturated mixture CDF), far below exp's float range, far
     * above it, and tied (every component of a freshly initialised mixture is the same): the value
     * matches log Σ exp computed in doubles, and the gradient is the softmax, ties included.
     */
    @Test
    void logSumExpIsAccurateOverAnyRangeAndItsGradientIsTheSoftmax() {
        float belowPointThree = Math.nextDown(0.3f);
        double[][] rows = {
            {-1000, -0.5, 3, -40},
            {-200, -210, -205.5, -300},
            {90, 95, 89, -3},
            {1.5, 1.5, 1.5, 1.5},
            {-7, 20, 20, -7},
            // a float32 step apart: their log-softmaxes tie, their values do not
            {belowPointThree, 0.3f, -0.5f, 0.2f},
        };
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(rows).toType(DataType.FLOAT32, false);
            double[] withoutGradient = Tensors.toDoubles(Tensors.logSumExp(x, 1));
            x.setRequiresGradient(true);
            NDArray lse;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                lse = Tensors.logSumExp(x, 1);
                collector.backward(lse.sum());
            }
            double[] values = Tensors.toDoubles(lse);
            double[] gradient = Tensors.toDoubles(x.getGradient());
            for (int r = 0; r < rows.length; r++) {
                double max = Double.NEGATIVE_INFINITY;
                for (double v : rows[r]) {
                    max = Math.max(max, v);
                }
                double sum = 0;
                for (double v : rows[r]) {
                    sum += Math.exp(v - max);
                }
                double expected = max + Math.log(sum);
                assertEquals(
                        expected, values[r], 1e-5 * Math.max(1, Math.abs(expected)), "row " + r);
                assertEquals(
                        expected,
                        withoutGradient[r],
                        1e-5 * Math.max(1, Math.abs(expected)),
                        "row " + r + " scored");
                for (int k = 0; k < rows[r].length; k++) {
                    assertEquals(
                            Math.exp(rows[r][k] - expected),
                            gradient[r * rows[r].length + k],
                            1e-6,
                            "row " + r + ", term " + k);
                }
            }
        }
    }

    @Test
    void dropoutKeepsEachElementWithTheComplementOfItsRateAndScalesWhatItKeeps() {
        Engine.getInstance().setRandomSeed(7);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.ones(new Shape(100_000));
            x.setRequiresGradient(true);
            float[] out;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray y = Tensors.dropout(x, 0.2f, true);
                out = y.toFloatArray();
                collector.backward(y.sum());
            }
            float[] gradient = x.getGradient().toFloatArray();
            int kept = 0;
            for (int i = 0; i < out.length; i++) {
                assertTrue(out[i] == 0f || out[i] == 1.25f, "0 or 1/(1 - rate): " + out[i]);
                assertEquals(out[i], gradient[i], "the gradient flows where the value does");
                kept += out[i] == 0f ? 0 : 1;
            }
            // 80 000 expected; the binomial's standard deviation is 126
            assertEquals(80_000, kept, 700);
        }
    }

    @Test
    void dropoutIsTheIdentityOutsideTrainingAndAtRateZero() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.arange(10f);
            assertSame(x, Tensors.dropout(x, 0.5f, false));
            assertSame(x, Tensors.dropout(x, 0f, true));
        }
    }
}
