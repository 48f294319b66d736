package dev.flowwatch.flowpp.score;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.function.IntToDoubleFunction;

class DoseFitTest {

    private static final List<String> XY = List.of("x", "y");

    /**
     * The conformal p-values of fresh points from the calibration's distribution are uniform: the
     * Kolmogorov–Smirnov distance of 2000 of them to U(0, 1) stays below the 0.1 % critical value
     * of the two-sample test (the p-values are the fresh scores' ranks among the 1000 null scores,
     * so both samples' noise counts). Scoring the fitted half itself as the null would fail this:
     * each point sits on its own kernel, and is its own nearest neighbour, so the null would be too
     * low and fresh p-values too small.
     */
    @Test
    void pValuesOfFreshNormalsAreUniform() {
        DoseFit fit =
                DoseFit.of(
                        XY,
                        KernelDensityTest.gaussian(2000, 0.8, 11),
                        NearestNormalsTest.descriptors(2000, 11),
                        null);
        double[] nulls = fit.nullScores().clone();
        Arrays.sort(nulls);
        double[][] vectors = KernelDensityTest.gaussian(2000, 0.8, 12);
        float[][] shapes = NearestNormalsTest.descriptors(2000, 12);
        double[] p = new double[vectors.length];
        for (int i = 0; i < p.length; i++) {
            p[i] =
                    ConformalPValues.pValue(
                            nulls,
                            fit.model().score(vectors[i], shapes[i], Double.NaN, Double.NaN));
        }
        Arrays.sort(p);
        double ks = 0;
        for (int i = 0; i < p.length; i++) {
            ks = Math.max(ks, Math.max((i + 1.0) / p.length - p[i], p[i] - (double) i / p.length));
        }
        assertTrue(ks < 1.95 * Math.sqrt(1.0 / p.length + 1.0 / nulls.length), "KS distance " + ks);
    }

    @Test
    void theModelIsFittedOnTheEvenImagesAndTheNullIsTheOddOnes() {
        double[][] v = KernelDensityTest.gaussian(101, 0.2, 13);
        float[][] shapes = NearestNormalsTest.descriptors(101, 13);
        DoseFit fit = DoseFit.of(XY, v, shapes, null);
        DoseModel.State state = fit.model().state();
        assertEquals(51, state.density().points().length);
        assertEquals(51, state.shape().count());
        assertEquals(50, fit.nullScores().length);
        KernelDensity density = fit.model().density();
        double[] densityNull = new double[50];
        double[] shapeNull = new double[50];
        for (int i = 0; i < 50; i++) {
            densityNull[i] = density.negativeLogDensity(v[2 * i + 1]);
            shapeNull[i] = fit.model().shapeMatch(shapes[2 * i + 1]).distance();
        }
        double[] densitySurprise = NullSurprise.leaveOneOut(densityNull);
        double[] shapeSurprise = NullSurprise.leaveOneOut(shapeNull);
        for (int i : new int[] {0, 49}) {
            assertEquals(Math.max(densitySurprise[i], shapeSurprise[i]), fit.nullScores()[i], 0.0);
        }
    }

    /** A separate reference set replaces the even half as the shape part's references. */
    @Test
    void aSeparateReferenceSetIsWhatShapesAreComparedTo() {
        double[][] v = KernelDensityTest.gaussian(101, 0.2, 13);
        float[][] shapes = NearestNormalsTest.descriptors(101, 13);
        float[][] references = NearestNormalsTest.descriptors(300, 17);
        DoseFit fit = DoseFit.of(XY, v, shapes, references);
        assertEquals(300, fit.model().state().shape().count());
        assertEquals(51, fit.model().state().density().points().length);
        assertEquals(50, fit.nullScores().length);
        assertTrue(fit.model().shapeMatch(references[5]).distance() < 1e-3);
        assertTrue(fit.model().shapeMatch(shapes[0]).distance() > 0.1);
        assertThrows(IllegalArgumentException.class, () -> DoseFit.of(XY, v, null, references));
    }

    /** The score is the larger surprise: an image atypical in one part only is caught by it. */
    @Test
    void anImageAtypicalInOnePartScoresThatPartsSurprise() {
        double[][] v = KernelDensityTest.gaussian(400, 0.2, 15);
        float[][] shapes = NearestNormalsTest.descriptors(400, 15);
        DoseModel model = DoseFit.of(XY, v, shapes, null).model();
        DoseModel densityOnly = DoseFit.of(XY, v).model();
        float[] typical = NearestNormalsTest.descriptors(1, 16)[0];
        float[] strange = new float[typical.length];
        strange[0] = 1;
        double[] center = {10, -2};
        double[] far = {40, -2};
        assertTrue(model.score(center, typical, Double.NaN, Double.NaN) < Math.log(201) / 2);
        assertTrue(
                model.score(center, strange, Double.NaN, Double.NaN) > Math.log(201),
                "strange shape");
        assertTrue(
                model.score(far, typical, Double.NaN, Double.NaN) > Math.log(201),
                "far statistics");
        // and says which part it was
        assertEquals(
                DoseModel.Part.SHAPE,
                model.judge(center, model.shapeMatch(strange), Double.NaN, Double.NaN).part());
        assertEquals(
                DoseModel.Part.DENSITY,
                model.judge(far, model.shapeMatch(typical), Double.NaN, Double.NaN).part());
        assertEquals(
                densityOnly.score(far, null, Double.NaN, Double.NaN),
                model.score(far, typical, Double.NaN, Double.NaN),
                0.0);
        assertEquals(
                model.score(center, strange, Double.NaN, Double.NaN),
                NullSurprise.of(model.state().shapeNull())
                        .surprise(model.shapeMatch(strange).distance()),
                0.0);
    }

    /**
     * The blend part judges each image's {@link BlendedNormals#gain} against the odd-indexed
     * images' gains, searched with the same nearest references as the shape distances.
     */
    @Test
    void theBlendPartJudgesTheGainAgainstTheOddImagesGains() {
        double[][] v = KernelDensityTest.gaussian(400, 0.2, 15);
        float[][] shapes = NearestNormalsTest.descriptors(400, 15);
        DoseFit fit = DoseFit.of(XY, v, shapes, null, 8, null, null);
        DoseModel model = fit.model();
        DoseModel without = DoseFit.of(XY, v, shapes, null).model();
        assertTrue(model.usesBlend());
        assertFalse(without.usesBlend());
        assertEquals(
                List.of(DoseModel.Part.DENSITY, DoseModel.Part.SHAPE, DoseModel.Part.BLEND),
                model.parts());
        assertEquals(List.of(DoseModel.Part.DENSITY, DoseModel.Part.SHAPE), without.parts());
        assertEquals(8, model.state().blend().count());
        BlendedNormals blend = BlendedNormals.of(model.state().blend());
        NearestNormals references = NearestNormals.of(model.state().shape());
        double[] surprises =
                assertNullIsTheOddHalf(
                        i -> blend.gain(references.nearest(shapes[i])), model.state().blendNull());
        assertNullScoresFoldIn(fit, surprises);
        // an image is scored by the largest of the parts' surprises, the blend gain's among them
        float[] q = NearestNormalsTest.descriptors(1, 16)[0];
        double[] center = {10, -2};
        DoseModel.ShapeMatch match = model.shapeMatch(q);
        assertEquals(blend.gain(references.nearest(q)), match.blendGain(), 0.0);
        assertEquals(without.shapeMatch(q).distance(), match.distance(), 0.0);
        assertEquals(
                Math.max(
                        without.score(center, q, Double.NaN, Double.NaN),
                        NullSurprise.of(model.state().blendNull()).surprise(match.blendGain())),
                model.score(center, q, Double.NaN, Double.NaN),
                1e-12);
        assertTrue(Double.isNaN(without.shapeMatch(q).blendGain()));
    }

    @Test
    void partsAreNamedInLowerCaseAndFoundByName() {
        for (DoseModel.Part part : DoseModel.Part.values()) {
            assertEquals(part.name().toLowerCase(Locale.ROOT), part.id());
            assertEquals(Optional.of(part), DoseModel.Part.of(part.id()));
            assertFalse(part.meaning().isBlank());
        }
        assertEquals(Optional.empty(), DoseModel.Part.of("SHAPE"));
    }

    @Test
    void aBlendPartNeedsTheShapePartAndItsNull() {
        double[][] v = KernelDensityTest.gaussian(40, 0.2, 15);
        float[][] shapes = NearestNormalsTest.descriptors(40, 15);
        assertThrows(
                IllegalArgumentException.class, () -> DoseFit.of(XY, v, null, null, 8, null, null));
        assertThrows(
                IllegalArgumentException.class,
                () -> DoseFit.of(XY, v, shapes, null, -1, null, null));
        DoseModel.State state = DoseFit.of(XY, v, shapes, null, 8, null, null).model().state();
        DoseModel.State noNull =
                new DoseModel.State(
                        state.density(),
                        state.densityNull(),
                        state.shape(),
                        state.shapeNull(),
                        state.blend(),
                        null,
                        null,
                        null);
        assertThrows(IllegalArgumentException.class, () -> DoseModel.of(noNull));
        DoseModel.State noShape =
                new DoseModel.State(
                        state.density(),
                        state.densityNull(),
                        null,
                        null,
                        state.blend(),
                        state.blendNull(),
                        null,
                        null);
        assertThrows(IllegalArgumentException.class, () -> DoseModel.of(noShape));
        BlendedNormals.State wide =
                BlendedNormals.fit(NearestNormals.fit(NearestNormalsTest.descriptors(40, 3)), 8)
                        .state();
        BlendedNormals.State narrow =
                new BlendedNormals.State(
                        wide.count() * 2, wide.dimensions() / 2, wide.step(), wide.prototypes());
        DoseModel.State otherAxes =
                new DoseModel.State(
                        state.density(),
                        state.densityNull(),
                        state.shape(),
                        state.shapeNull(),
                        narrow,
                        state.blendNull(),
                        null,
                        null);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> DoseModel.of(otherAxes));
        assertTrue(e.getMessage().contains("as many coordinates"), e.getMessage());
    }

    @Test
    void anImageTheOrientationNetworkFindsTurnedScoresThatPartsSurpriseAndOnlyThen() {
        double[][] v = KernelDensityTest.gaussian(400, 0.2, 15);
        float[][] shapes = NearestNormalsTest.descriptors(400, 15);
        Random random = new Random(3);
        double[] orientation = new double[400];
        for (int i = 0; i < orientation.length; i++) {
            orientation[i] = Math.abs(0.2 * random.nextGaussian());
        }
        DoseFit fit = DoseFit.of(XY, v, shapes, null, orientation);
        DoseModel model = fit.model();
        DoseModel without = DoseFit.of(XY, v, shapes, null).model();
        assertTrue(model.usesOrientation());
        assertFalse(without.usesOrientation());
        assertEquals(
                List.of(DoseModel.Part.DENSITY, DoseModel.Part.SHAPE, DoseModel.Part.ORIENTATION),
                model.parts());
        double[] surprises =
                assertNullIsTheOddHalf(i -> orientation[i], model.state().orientationNull());
        float[] typical = NearestNormalsTest.descriptors(1, 16)[0];
        double[] center = {10, -2};
        double upright = model.score(center, typical, 0.01, Double.NaN);
        double turned = model.score(center, typical, 5.0, Double.NaN);
        assertEquals(without.score(center, typical, Double.NaN, Double.NaN), upright, 1e-12);
        assertTrue(turned > Math.log(201), "turned: " + turned);
        assertEquals(NullSurprise.of(model.state().orientationNull()).surprise(5.0), turned, 0.0);
        DoseModel.Judgement judgement =
                model.judge(center, model.shapeMatch(typical), 5.0, Double.NaN);
        assertEquals(DoseModel.Part.ORIENTATION, judgement.part());
        assertEquals(turned, judgement.score(), 0.0);
        assertNullScoresFoldIn(fit, surprises);
    }

    @Test
    void aFaintOutlineScoresThroughTheOutlinePartAndOnlyThen() {
        double[][] v = KernelDensityTest.gaussian(400, 0.2, 15);
        float[][] shapes = NearestNormalsTest.descriptors(400, 15);
        Random random = new Random(4);
        double[] outline = new double[400];
        for (int i = 0; i < outline.length; i++) {
            outline[i] = 0.1 * random.nextGaussian();
        }
        double[] orientation = new double[400];
        Arrays.fill(orientation, 0.1);
        DoseFit fit = DoseFit.of(XY, v, shapes, null, 8, outline, orientation);
        DoseModel model = fit.model();
        DoseModel without = DoseFit.of(XY, v, shapes, null, 8, null, orientation).model();
        assertFalse(without.usesOutline());
        assertEquals(
                List.of(
                        DoseModel.Part.DENSITY,
                        DoseModel.Part.SHAPE,
                        DoseModel.Part.BLEND,
                        DoseModel.Part.OUTLINE,
                        DoseModel.Part.ORIENTATION),
                model.parts());
        double[] surprises = assertNullIsTheOddHalf(i -> outline[i], model.state().outlineNull());
        float[] typical = NearestNormalsTest.descriptors(1, 16)[0];
        double[] center = {10, -2};
        DoseModel.ShapeMatch match = model.shapeMatch(typical);
        assertEquals(
                without.judge(center, match, 0.1, Double.NaN),
                model.judge(center, match, 0.1, 0.0),
                "a typical outline leaves the score to the other parts");
        DoseModel.Judgement faint = model.judge(center, match, 0.1, 0.5);
        assertEquals(DoseModel.Part.OUTLINE, faint.part());
        assertEquals(
                NullSurprise.of(model.state().outlineNull()).surprise(0.5), faint.score(), 0.0);
        assertTrue(faint.score() > Math.log(201), "faint: " + faint.score());
        assertNullScoresFoldIn(fit, surprises);
    }

    @Test
    void outlinesMustBeOnePerImageAndFinite() {
        double[][] v = KernelDensityTest.gaussian(40, 0.2, 15);
        double[] nan = new double[40];
        nan[3] = Double.NaN;
        for (double[] outline : List.of(new double[41], nan)) {
            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class,
                            () -> DoseFit.of(XY, v, null, null, 0, outline, null));
            assertTrue(e.getMessage().contains("outlines"), e.getMessage());
        }
    }

    @Test
    void orientationSurprisesMustBeOnePerImageAndFinite() {
        double[][] v = KernelDensityTest.gaussian(40, 0.2, 15);
        assertThrows(
                IllegalArgumentException.class,
                () -> DoseFit.of(XY, v, null, null, new double[39]));
        double[] nan = new double[40];
        nan[7] = Double.NaN;
        assertThrows(IllegalArgumentException.class, () -> DoseFit.of(XY, v, null, null, nan));
    }

    @Test
    void tooFewImagesAreRefusedWithTheNumberNeeded() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> DoseFit.of(XY, KernelDensityTest.gaussian(7, 0, 14)));
        assertTrue(e.getMessage().contains("at least 8"), e.getMessage());
    }

    /**
     * A part's null holds the values of the odd-indexed of the 400 images (the even ones fit the
     * density), sorted; returns their leave-one-out surprises, as the fit computes them.
     */
    private static double[] assertNullIsTheOddHalf(IntToDoubleFunction value, double[] storedNull) {
        double[] odd = new double[200];
        for (int i = 1; i < 400; i += 2) {
            odd[i / 2] = value.applyAsDouble(i);
        }
        double[] surprises = NullSurprise.leaveOneOut(odd);
        Arrays.sort(odd);
        assertArrayEquals(odd, storedNull, 0.0);
        return surprises;
    }

    /** The score's null folds a part in: no null score is below the part's own surprise. */
    private static void assertNullScoresFoldIn(DoseFit fit, double[] surprises) {
        for (int i = 0; i < fit.nullScores().length; i++) {
            assertTrue(fit.nullScores()[i] >= surprises[i]);
        }
    }
}
