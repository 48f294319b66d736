package dev.flowwatch.flowpp.orientation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.flowwatch.flowpp.data.ImageSet;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Random;

class OrientationNetTest {

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    /**
     * 8×8 images with an up: a bright bar along the top row and a dimmer one down the left column,
     * at random brightness, over noise.
     */
    static ImageSet uprightImages(int n, long seed) {
        Random random = new Random(seed);
        byte[] pixels = new byte[n * 64];
        for (int i = 0; i < n; i++) {
            int bright = 180 + random.nextInt(76);
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 8; x++) {
                    int v = random.nextInt(40);
                    if (y == 0) {
                        v = bright;
                    } else if (x == 0) {
                        v = bright / 2;
                    }
                    pixels[i * 64 + y * 8 + x] = (byte) v;
                }
            }
        }
        return ImageSet.of(pixels, 1, 8, 8, null, "upright bars");
    }

    @Test
    void aQuarterTurnIsClockwiseAndFourAreTheImage() {
        float[] values = new float[9];
        for (int i = 0; i < 9; i++) {
            values[i] = i;
        }
        // 0 1 2 / 3 4 5 / 6 7 8 turned clockwise is 6 3 0 / 7 4 1 / 8 5 2
        NDArray x = manager.create(values, new Shape(1, 1, 3, 3));
        assertArrayEquals(
                new float[] {6, 3, 0, 7, 4, 1, 8, 5, 2},
                OrientationNet.turned(x, 1).toFloatArray(),
                0f);
        assertArrayEquals(
                OrientationNet.turned(OrientationNet.turned(x, 1), 1).toFloatArray(),
                OrientationNet.turned(x, 2).toFloatArray(),
                0f);
        assertArrayEquals(values, OrientationNet.turned(x, 4).toFloatArray(), 0f);
        assertArrayEquals(values, OrientationNet.turned(x, 0).toFloatArray(), 0f);
    }

    @Test
    void trainedOnUprightImagesItNamesTheirTurnsAndIsSurprisedByTurnedOnes() {
        Engine.getInstance().setRandomSeed(5);
        OrientationNet net = new OrientationNet(new OrientationConfig(1, 8, 8, 4));
        net.initialize(manager, DataType.FLOAT32);
        ImageSet train = uprightImages(512, 1);
        ImageSet validation = uprightImages(64, 2);
        OrientationTrainer trainer = new OrientationTrainer(net, manager);
        assertTrue(trainer.accuracy(validation) < 0.6, "untrained, near chance");
        int[] steps = {0};
        OrientationTrainer.Result result =
                trainer.train(
                        train,
                        validation,
                        new OrientationTrainer.Options(150, 16, 0.01, 3),
                        s -> steps[0] = s);
        assertEquals(150, steps[0]);
        assertEquals(150, result.steps());
        assertTrue(result.validationAccuracy() > 0.95, "accuracy " + result.validationAccuracy());
        assertTrue(result.loss() < 0.3, "loss " + result.loss());

        NDArray upright = manager.create(validation.toFloats(0, 64), new Shape(64, 1, 8, 8));
        double[] asIs = net.surprise(upright).toType(DataType.FLOAT64, false).toDoubleArray();
        double[] turned =
                net.surprise(OrientationNet.turned(upright, 2))
                        .toType(DataType.FLOAT64, false)
                        .toDoubleArray();
        for (int i = 0; i < 64; i++) {
            assertTrue(asIs[i] >= 0 && asIs[i] < Math.log(4), "upright " + asIs[i]);
            assertTrue(turned[i] > Math.log(4), "upside down " + turned[i]);
        }
    }

    @Test
    void onlySquareImagesOfAtLeastFourPixelsCanBeTurned() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class, () -> new OrientationConfig(1, 28, 32, 8));
        assertTrue(e.getMessage().contains("28x32"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new OrientationConfig(1, 2, 2, 8));
        assertThrows(IllegalArgumentException.class, () -> new OrientationConfig(1, 8, 8, 0));
        assertThrows(
                IllegalArgumentException.class,
                () -> new OrientationTrainer.Options(0, 16, 0.01, 1));
    }
}
