package dev.flowwatch.flowpp.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.Random;

class NearestNormalsTest {

    /** n unit vectors of 36 non-negative coordinates, as shape descriptors are. */
    static float[][] descriptors(int n, long seed) {
        Random random = new Random(seed);
        float[][] d = new float[n][36];
        for (float[] v : d) {
            double norm = 0;
            for (int j = 0; j < v.length; j++) {
                v[j] = random.nextFloat();
                norm += v[j] * v[j];
            }
            for (int j = 0; j < v.length; j++) {
                v[j] /= (float) Math.sqrt(norm);
            }
        }
        return d;
    }

    /** The references along one axis, at 0.1, 0.2, … 0.9: distances are plain to compute. */
    private static NearestNormals line() {
        float[][] refs = new float[9][2];
        for (int i = 0; i < refs.length; i++) {
            refs[i][0] = (i + 1) / 10f;
        }
        return NearestNormals.fit(refs);
    }

    @Test
    void distanceIsTheMeanOverTheFiveNearestReferences() {
        // from (0.5, 0): 0.4, 0.6, 0.5 and 0.3, 0.7 at 0, 0.1, 0.1, 0.2, 0.2
        assertEquals(0.12, line().distance(new float[] {0.5f, 0}), 1e-4);
        // from (0, 0.3): 0.1..0.5 at √(x² + 0.09)
        double expected = 0;
        for (int i = 1; i <= 5; i++) {
            expected += Math.sqrt(0.01 * i * i + 0.09) / 5;
        }
        assertEquals(expected, line().distance(new float[] {0, 0.3f}), 1e-4);
    }

    @Test
    void fewerReferencesThanNeighboursAreAllUsed() {
        NearestNormals two = NearestNormals.fit(new float[][] {{0, 0}, {1, 0}});
        assertEquals(0.5, two.distance(new float[] {0.5f, 0}), 1e-4);
    }

    /** Stored at 16 bits, a reference read back scores exactly as the one written. */
    @Test
    void aReferenceSetReadBackGivesTheSameDistances() {
        NearestNormals written = NearestNormals.fit(descriptors(50, 1));
        NearestNormals read = NearestNormals.of(written.state());
        for (float[] q : descriptors(20, 2)) {
            assertEquals(written.distance(q), read.distance(q), 0.0);
        }
        // and the 16-bit step moves a descriptor by at most half a step per coordinate
        float[] one = descriptors(1, 4)[0];
        double own = NearestNormals.fit(new float[][] {one}).distance(one);
        assertTrue(own < 0.5 / 65535 * Math.sqrt(one.length), "own distance " + own);
    }

    @Test
    void inconsistentOrImpossibleReferencesAreRefused() {
        NearestNormals.State state = NearestNormals.fit(descriptors(3, 3)).state();
        assertThrows(
                IllegalArgumentException.class,
                () -> NearestNormals.of(new NearestNormals.State(35, 3, state.descriptors())));
        assertThrows(
                IllegalArgumentException.class,
                () -> NearestNormals.fit(new float[][] {{0.5f, 1.5f}}));
        assertThrows(
                IllegalArgumentException.class,
                () -> NearestNormals.fit(descriptors(3, 3)).distance(new float[4]));
    }
}
