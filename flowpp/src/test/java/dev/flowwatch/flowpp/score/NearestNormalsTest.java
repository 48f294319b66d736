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

    /**
     * References on a line, at 0.1, 0.2, … 0.9 along the first coordinate: with as many axes as
     * coordinates the projection is a rotation, and distances are plain to compute.
     */
    private static NearestNormals line() {
        float[][] refs = new float[9][2];
        for (int i = 0; i < refs.length; i++) {
            refs[i][0] = (i + 1) / 10f;
        }
        return NearestNormals.fit(refs);
    }

    @Test
    void distanceIsToTheNearestReference() {
        assertEquals(0.05, line().distance(new float[] {0.55f, 0}), 1e-4);
        assertEquals(Math.hypot(0.1, 0.3), line().distance(new float[] {0, 0.3f}), 1e-4);
        assertEquals(0, line().distance(new float[] {0.4f, 0}), 1e-4);
    }

    /**
     * The search skips references by bounds alone; it must find what comparing every one finds.
     * With as many axes as coordinates the projection is a rotation, so the nearest distance in the
     * original coordinates is the answer, up to the 16-bit step.
     */
    @Test
    void theSearchFindsTheNearestThatAFullScanFinds() {
        Random random = new Random(9);
        float[][] refs = new float[3000][12];
        for (float[] r : refs) {
            int cluster = random.nextInt(5);
            for (int j = 0; j < r.length; j++) {
                r[j] = (float) (cluster * (j % 3) + random.nextGaussian() * (j + 1) / 12);
            }
        }
        NearestNormals normals = NearestNormals.fit(refs);
        double tolerance = normals.state().step() * Math.sqrt(12);
        for (int n = 0; n < 200; n++) {
            float[] q = refs[random.nextInt(refs.length)].clone();
            for (int j = 0; j < q.length; j++) {
                q[j] += (float) (random.nextGaussian() * 0.3);
            }
            double nearest = Double.POSITIVE_INFINITY;
            for (float[] r : refs) {
                double squared = 0;
                for (int j = 0; j < q.length; j++) {
                    squared += (q[j] - r[j]) * (q[j] - r[j]);
                }
                nearest = Math.min(nearest, squared);
            }
            NearestNormals.Nearest found = normals.nearest(q);
            assertEquals(Math.sqrt(nearest), found.distance(), tolerance);
            // what it returns is the reference at that distance, both along the axes
            assertEquals(found.distance(), distance(found.query(), found.reference()), 1e-5);
        }
    }

    static double distance(float[] a, float[] b) {
        double squared = 0;
        for (int j = 0; j < a.length; j++) {
            squared += (a[j] - b[j]) * (a[j] - b[j]);
        }
        return Math.sqrt(squared);
    }

    /**
     * Past {@value NearestNormals#AXES} axes, the references' least varying directions are dropped.
     */
    @Test
    void onlyTheLeadingPrincipalAxesCount() {
        Random random = new Random(7);
        int d = NearestNormals.AXES + 6;
        float[][] refs = new float[400][d];
        for (float[] r : refs) {
            for (int j = 0; j < d; j++) {
                // coordinate j varies less the larger j is
                r[j] = (float) (random.nextGaussian() * (d - j));
            }
        }
        NearestNormals normals = NearestNormals.fit(refs);
        // the sample's axes are not exactly the coordinates: a little of the step leaks onto them
        float[] offAxis = refs[0].clone();
        offAxis[d - 1] += 100;
        assertTrue(normals.distance(offAxis) < 5, "distance " + normals.distance(offAxis));
        float[] onAxis = refs[0].clone();
        onAxis[0] += 100;
        assertTrue(normals.distance(onAxis) > 50, "distance " + normals.distance(onAxis));
    }

    /** Stored at 16 bits, a reference read back scores exactly as the one written. */
    @Test
    void aReferenceSetReadBackGivesTheSameDistances() {
        NearestNormals written = NearestNormals.fit(descriptors(50, 1));
        NearestNormals read = NearestNormals.of(written.state());
        for (float[] q : descriptors(20, 2)) {
            assertEquals(written.distance(q), read.distance(q), 0.0);
        }
        // and the 16-bit step moves a reference by at most half a step per coordinate
        NearestNormals.State state = written.state();
        float[] own = descriptors(50, 1)[7];
        double bound = 0.5 * state.step() * Math.sqrt(state.axes().outputs()) + 1e-6;
        assertTrue(written.distance(own) < bound, "own distance " + written.distance(own));
    }

    @Test
    void inconsistentOrImpossibleReferencesAreRefused() {
        NearestNormals.State state = NearestNormals.fit(descriptors(3, 3)).state();
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        NearestNormals.of(
                                new NearestNormals.State(
                                        state.axes(), 4, state.step(), state.references())));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        NearestNormals.of(
                                new NearestNormals.State(state.axes(), 3, 0, state.references())));
        assertThrows(
                IllegalArgumentException.class,
                () -> NearestNormals.fit(new float[][] {{0.5f, Float.NaN}}));
        assertThrows(
                IllegalArgumentException.class,
                () -> NearestNormals.fit(descriptors(3, 3)).distance(new float[4]));
    }
}
