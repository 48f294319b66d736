package dev.flowwatch.flowpp.score;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import java.util.Random;

class PrincipalAxesTest {

    /** Points spread 10× wider along (1, 1, 0)/√2 than along (1, −1, 0)/√2, offset by (5, 5, 5). */
    private static float[][] elongatedCloud(int n) {
        Random random = new Random(3);
        float[][] points = new float[n][];
        double s = Math.sqrt(0.5);
        for (int i = 0; i < n; i++) {
            double along = 10 * random.nextGaussian();
            double across = random.nextGaussian();
            points[i] =
                    new float[] {
                        (float) (5 + s * (along + across)), (float) (5 + s * (along - across)), 5
                    };
        }
        return points;
    }

    private static float[] mean(float[][] points) {
        float[] mean = new float[points[0].length];
        for (float[] p : points) {
            for (int i = 0; i < mean.length; i++) {
                mean[i] += p[i] / points.length;
            }
        }
        return mean;
    }

    @Test
    void theFirstAxisIsTheDirectionOfLargestVariance() {
        float[][] cloud = elongatedCloud(5000);
        PrincipalAxes axes = PrincipalAxes.fit(cloud, 2);
        assertEquals(2, axes.outputs());
        // a step along (1, 1, 0)/√2 from the mean moves the first coordinate by ±1, the second not
        float[] m = mean(cloud);
        float s = (float) Math.sqrt(0.5);
        float[] step = axes.project(new float[] {m[0] + s, m[1] + s, m[2]});
        assertEquals(1, Math.abs(step[0]), 0.01);
        assertEquals(0, step[1], 0.01);
        float[] across = axes.project(new float[] {m[0] + s, m[1] - s, m[2]});
        assertEquals(0, across[0], 0.01);
        assertEquals(1, Math.abs(across[1]), 0.01);
    }

    @Test
    void theMeanProjectsToTheOrigin() {
        float[][] cloud = elongatedCloud(1000);
        assertArrayEquals(new float[3], PrincipalAxes.fit(cloud, 3).project(mean(cloud)), 1e-4f);
    }

    /**
     * Fewer vectors than coordinates, and coordinates that never vary, leave most of the
     * covariance's eigenvalues zero; all the axes together must still be a rotation, which keeps
     * every distance.
     */
    @Test
    void fewerVectorsThanCoordinatesStillGiveARotation() {
        Random random = new Random(4);
        float[][] vectors = new float[20][45];
        for (float[] v : vectors) {
            for (int i = 0; i < 30; i++) {
                v[i] = random.nextFloat();
            }
        }
        PrincipalAxes axes = PrincipalAxes.fit(vectors, 45);
        for (int n = 0; n < 10; n++) {
            float[] x = new float[45];
            float[] y = new float[45];
            double squared = 0;
            for (int i = 0; i < 45; i++) {
                x[i] = random.nextFloat();
                y[i] = random.nextFloat();
                squared += (x[i] - y[i]) * (x[i] - y[i]);
            }
            float[] px = axes.project(x);
            float[] py = axes.project(y);
            double projected = 0;
            for (int i = 0; i < 45; i++) {
                projected += (px[i] - py[i]) * (px[i] - py[i]);
            }
            assertEquals(Math.sqrt(squared), Math.sqrt(projected), 1e-4);
        }
    }

    @Test
    void noMoreAxesThanCoordinates() {
        assertEquals(3, PrincipalAxes.fit(elongatedCloud(100), 64).outputs());
    }

    @Test
    void axesReadBackProjectExactlyAsWritten() {
        PrincipalAxes written = PrincipalAxes.fit(elongatedCloud(200), 2);
        PrincipalAxes read = PrincipalAxes.of(written.state());
        float[] q = {1, 2, 3};
        assertArrayEquals(written.project(q), read.project(q), 0f);
    }

    @Test
    void inconsistentAxesAndVectorsAreRefused() {
        PrincipalAxes.State state = PrincipalAxes.fit(elongatedCloud(20), 2).state();
        assertThrows(
                IllegalArgumentException.class,
                () -> PrincipalAxes.of(new PrincipalAxes.State(3, 3, state.mean(), state.axes())));
        assertThrows(
                IllegalArgumentException.class,
                () -> PrincipalAxes.fit(new float[][] {{1, 2}, {1}}, 1));
        assertThrows(IllegalArgumentException.class, () -> PrincipalAxes.fit(new float[0][], 1));
        assertThrows(
                IllegalArgumentException.class,
                () -> PrincipalAxes.fit(elongatedCloud(20), 2).project(new float[2]));
    }
}
