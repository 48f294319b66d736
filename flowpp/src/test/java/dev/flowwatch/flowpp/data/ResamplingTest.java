package dev.flowwatch.flowpp.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import java.util.Random;

class ResamplingTest {

    @Test
    void bilinearEnlargementInterpolatesBetweenPixelCentresAndExtendsTheEdges() {
        float[] twoByTwo = {0, 100, 100, 200};
        float[] enlarged = Resampling.bilinear(twoByTwo, 2, 2, 4, 4);
        // columns sample the source at -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1)
        assertArrayEquals(new float[] {0, 25, 75, 100}, row(enlarged, 4, 0), 1e-4f);
        assertArrayEquals(new float[] {25, 50, 100, 125}, row(enlarged, 4, 1), 1e-4f);
        assertArrayEquals(new float[] {100, 125, 175, 200}, row(enlarged, 4, 3), 1e-4f);
    }

    @Test
    void areaMeanOfWholeBlocksIsTheirMean() {
        float[] plane = {
            1, 3, 10, 10,
            5, 7, 20, 30,
            0, 0, 4, 4,
            0, 8, 4, 4
        };
        assertArrayEquals(
                new float[] {4, 17.5f, 2, 4},
                Resampling.areaMean(plane, 4, 0, 0, 4, 4, 2, 2),
                1e-5f);
    }

    @Test
    void areaMeanWeighsASplitPixelByTheShareInsideEachOutput() {
        float[] row = {30, 60, 90};
        // three pixels into two: the middle one counts half for each, spans are 1.5 pixels wide
        assertArrayEquals(
                new float[] {(30 + 0.5f * 60) / 1.5f, (0.5f * 60 + 90) / 1.5f},
                Resampling.areaMean(row, 3, 0, 0, 1, 3, 1, 2),
                1e-4f);
    }

    @Test
    void areaMeanOfACropKeepsItsMeanAndReadsOnlyTheCrop() {
        Random random = new Random(4);
        int width = 50;
        float[] plane = new float[40 * width];
        for (int i = 0; i < plane.length; i++) {
            plane[i] = random.nextInt(256);
        }
        int top = 2;
        int left = 9;
        double cropMean = 0;
        for (int y = top; y < top + 37; y++) {
            for (int x = left; x < left + 37; x++) {
                cropMean += plane[y * width + x] / (37.0 * 37);
            }
        }
        float[] reduced = Resampling.areaMean(plane, width, top, left, 37, 37, 28, 28);
        double reducedMean = 0;
        for (float v : reduced) {
            reducedMean += v / reduced.length;
        }
        assertEquals(cropMean, reducedMean, 1e-3);
    }

    private static float[] row(float[] plane, int width, int y) {
        float[] out = new float[width];
        System.arraycopy(plane, y * width, out, 0, width);
        return out;
    }
}
