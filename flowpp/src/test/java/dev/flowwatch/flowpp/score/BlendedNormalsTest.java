package dev.flowwatch.flowpp.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

class BlendedNormalsTest {

    private static final int D = 6;

    /**
     * Three kinds of normal shape: tight clusters around 3·e₀, 3·e₁ and 3·e₂ (the references), or a
     * blend of the first two when {@code blend}.
     */
    private static float[][] shapes(int n, boolean blend, long seed) {
        Random random = new Random(seed);
        float[][] v = new float[n][D];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < D; j++) {
                v[i][j] = (float) (0.1 * random.nextGaussian());
            }
            if (blend) {
                v[i][0] += 1.5f;
                v[i][1] += 1.5f;
            } else {
                v[i][i % 3] += 3;
            }
        }
        return v;
    }

    private static float[][] prototypes(BlendedNormals blend) {
        BlendedNormals.State s = blend.state();
        float[] values =
                FixedPoint.decode(
                        s.prototypes(), s.step(), s.count() * s.dimensions(), "prototypes");
        float[][] p = new float[s.count()][];
        for (int k = 0; k < p.length; k++) {
            p[k] = Arrays.copyOfRange(values, k * s.dimensions(), (k + 1) * s.dimensions());
        }
        return p;
    }

    /**
     * A blend of two normal shapes is far from the nearest one, but a step towards the other kind's
     * prototype brings it close: it gains most of its distance, a normal shape almost none.
     */
    @Test
    void aBlendOfTwoNormalShapesGainsWhatANormalShapeDoesNot() {
        NearestNormals references = NearestNormals.fit(shapes(900, false, 1));
        BlendedNormals blend = BlendedNormals.fit(references, 3);
        double largestNormal = 0;
        for (float[] normal : shapes(60, false, 2)) {
            largestNormal = Math.max(largestNormal, blend.gain(references.nearest(normal)));
        }
        for (float[] mixed : shapes(60, true, 3)) {
            NearestNormals.Nearest nearest = references.nearest(mixed);
            double gain = blend.gain(nearest);
            assertTrue(nearest.distance() > 1.5, "a blend is far: " + nearest.distance());
            assertTrue(gain > 0.6 * nearest.distance(), gain + " of " + nearest.distance());
            assertTrue(gain > 4 * largestNormal, gain + " against normal " + largestNormal);
        }
    }

    /**
     * The closed form against a search along each segment: d₁ − min over c, λ of |q − t − λ(c −
     * t)|.
     */
    @Test
    void theGainIsTheNearestDistanceLessTheNearestSegments() {
        NearestNormals references = NearestNormals.fit(NearestNormalsTest.descriptors(400, 5));
        BlendedNormals blend = BlendedNormals.fit(references, 8);
        float[][] prototypes = prototypes(blend);
        for (float[] q : NearestNormalsTest.descriptors(30, 6)) {
            NearestNormals.Nearest nearest = references.nearest(q);
            double least = nearest.distance();
            for (float[] c : prototypes) {
                for (int step = 0; step <= 10_000; step++) {
                    double lambda = step / 10_000.0;
                    float[] point = new float[c.length];
                    for (int j = 0; j < c.length; j++) {
                        point[j] =
                                (float)
                                        (nearest.reference()[j]
                                                + lambda * (c[j] - nearest.reference()[j]));
                    }
                    least = Math.min(least, NearestNormalsTest.distance(nearest.query(), point));
                }
            }
            double gain = blend.gain(nearest);
            assertTrue(gain >= 0);
            assertEquals(nearest.distance() - least, gain, 1e-4);
        }
    }

    /**
     * References at (0, 0), (10, 0) and (0, 10) have one prototype, their mean (10/3, 10/3). A
     * query on the way from the first to it gains its whole distance; one past it, (4, 4), still
     * nearest to (0, 0), gains only what the segment's end brings it closer: √32 − √(8/9).
     */
    @Test
    void theBlendIsASegmentThatEndsAtThePrototype() {
        NearestNormals references = NearestNormals.fit(new float[][] {{0, 0}, {10, 0}, {0, 10}});
        BlendedNormals blend = BlendedNormals.fit(references, 1);
        double tolerance = references.state().step() * 4;
        assertEquals(
                NearestNormalsTest.distance(
                        references.nearest(new float[] {10 / 3f, 10 / 3f}).query(),
                        prototypes(blend)[0]),
                0,
                tolerance);
        assertEquals(Math.sqrt(8), blend.gain(references.nearest(new float[] {2, 2})), tolerance);
        assertEquals(
                Math.sqrt(32) - Math.sqrt(8 / 9.0),
                blend.gain(references.nearest(new float[] {4, 4})),
                tolerance);
        // behind the reference no segment comes nearer than the reference itself
        assertEquals(0, blend.gain(references.nearest(new float[] {-1, -1})), 0.0);
    }

    @Test
    void kMeansFindsTheSeparateKindsOfShape() {
        BlendedNormals blend = BlendedNormals.fit(NearestNormals.fit(shapes(900, false, 1)), 3);
        float[][] p = prototypes(blend);
        assertEquals(3, p.length);
        // the kinds lie 3·√2 apart; a prototype between two would be 2.1 from each
        for (int a = 0; a < p.length; a++) {
            for (int b = a + 1; b < p.length; b++) {
                double apart = NearestNormalsTest.distance(p[a], p[b]);
                assertEquals(3 * Math.sqrt(2), apart, 0.05, "prototypes " + a + ", " + b);
            }
        }
    }

    @Test
    void aFitIsReproducibleAndReadsBackAsWritten() {
        NearestNormals references = NearestNormals.fit(NearestNormalsTest.descriptors(500, 7));
        BlendedNormals written = BlendedNormals.fit(references, 16);
        assertEquals(written.state(), BlendedNormals.fit(references, 16).state());
        BlendedNormals read = BlendedNormals.of(written.state());
        for (float[] q : NearestNormalsTest.descriptors(20, 8)) {
            NearestNormals.Nearest nearest = references.nearest(q);
            assertEquals(written.gain(nearest), read.gain(nearest), 0.0);
        }
    }

    @Test
    void withNoMoreReferencesThanPrototypesEachReferenceIsOne() {
        NearestNormals references = NearestNormals.fit(NearestNormalsTest.descriptors(5, 9));
        assertEquals(5, BlendedNormals.fit(references, 64).state().count());
        // a reference is its own nearest, and the segment to itself gains nothing
        NearestNormals.Nearest own = references.nearest(NearestNormalsTest.descriptors(5, 9)[2]);
        assertTrue(own.distance() < 1e-3);
        assertEquals(0, BlendedNormals.fit(references, 64).gain(own), 1e-3);
    }

    @Test
    void inconsistentPrototypesAreRefused() {
        NearestNormals references = NearestNormals.fit(NearestNormalsTest.descriptors(50, 9));
        BlendedNormals.State state = BlendedNormals.fit(references, 4).state();
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        BlendedNormals.of(
                                new BlendedNormals.State(
                                        5, state.dimensions(), state.step(), state.prototypes())));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        BlendedNormals.of(
                                new BlendedNormals.State(
                                        4, state.dimensions(), 0, state.prototypes())));
        assertThrows(
                IllegalArgumentException.class,
                () -> BlendedNormals.of(new BlendedNormals.State(4, state.dimensions(), 1, "@@")));
        assertThrows(IllegalArgumentException.class, () -> BlendedNormals.fit(references, 0));
        NearestNormals.Nearest nearest =
                references.nearest(NearestNormalsTest.descriptors(1, 1)[0]);
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        BlendedNormals.of(state)
                                .gain(
                                        new NearestNormals.Nearest(
                                                1, new float[3], nearest.reference())));
    }
}
