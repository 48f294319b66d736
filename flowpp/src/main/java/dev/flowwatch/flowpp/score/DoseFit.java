package dev.flowwatch.flowpp.score;

import java.util.Arrays;
import java.util.List;
import java.util.function.IntToDoubleFunction;
import java.util.stream.IntStream;

/**
 * The {@link ScoreKind#DOSE} model fitted to one half of held-out normal images, and the scores of
 * the other half under it: the null distribution of its conformal p-values. The halves are the
 * even- and the odd-indexed images, so a file sorted by class still splits evenly. Scores of the
 * images the density was fitted to would be too low (each sits on its own kernel, and is its own
 * nearest neighbour) and would make the p-values of new images too small; the other half's scores
 * are exchangeable with them. Each null image's surprises are taken among the other null images
 * ({@link NullSurprise#leaveOneOut}), as a new image's are among all of them.
 *
 * <p>The shape part's references are a separate set of normal images when one is given (the
 * training images: the more, the better, see {@link NearestNormals}), the even half otherwise. A
 * separate set must not hold the calibration images: each would be its own nearest reference.
 *
 * <p>The blend part's prototypes, when asked for, are fitted to the shape part's references ({@link
 * BlendedNormals#fit}).
 *
 * <p>The outline and the orientation parts, when asked for, take the odd-indexed images' {@link
 * ImageOutline}s and orientation surprises as their nulls; nothing of them is fitted (the network
 * was trained on the training images).
 *
 * @param model fitted to the even-indexed images, with the odd-indexed ones as its parts' nulls
 * @param nullScores the odd-indexed images' scores, in their order
 */
public record DoseFit(DoseModel model, double[] nullScores) {

    /** A fit without the shape part. */
    public static DoseFit of(List<String> statistics, double[][] vectors) {
        return of(statistics, vectors, null, null);
    }

    /** A fit without the blend and the orientation parts. */
    public static DoseFit of(
            List<String> statistics,
            double[][] vectors,
            float[][] descriptors,
            float[][] references) {
        return of(statistics, vectors, descriptors, references, null);
    }

    /** A fit without the blend and the outline parts. */
    public static DoseFit of(
            List<String> statistics,
            double[][] vectors,
            float[][] descriptors,
            float[][] references,
            double[] orientation) {
        return of(statistics, vectors, descriptors, references, 0, null, orientation);
    }

    /**
     * @param vectors every image's statistics, named by {@code statistics}
     * @param descriptors every image's {@link ShapeDescriptor}, or null for a score without the
     *     shape part
     * @param references the {@link ShapeDescriptor}s of the shape part's reference images, or null
     *     to take the even-indexed images' {@code descriptors}
     * @param prototypes the blend part's number of prototypes, 0 for a score without it
     * @param outline every image's {@link ImageOutline}, or null for a score without the outline
     *     part
     * @param orientation every image's orientation surprise, or null for a score without the
     *     orientation part
     * @throws IllegalArgumentException with fewer than 8 images, descriptors, outlines or surprises
     *     not one per image, references or prototypes without descriptors, a negative number of
     *     prototypes, or a statistic, outline or surprise that is not finite
     */
    public static DoseFit of(
            List<String> statistics,
            double[][] vectors,
            float[][] descriptors,
            float[][] references,
            int prototypes,
            double[] outline,
            double[] orientation) {
        if ((references != null || prototypes != 0) && descriptors == null) {
            throw new IllegalArgumentException(
                    "shape references or blend prototypes for a score without shapes");
        }
        if (prototypes < 0) {
            throw new IllegalArgumentException("blend prototypes: " + prototypes + ", negative");
        }
        NearestNormals shape =
                descriptors == null ? null : shapeReferences(descriptors, references);
        return withReferences(
                statistics,
                vectors,
                descriptors,
                shape,
                prototypes == 0 ? null : BlendedNormals.fit(shape, prototypes),
                outline,
                orientation);
    }

    /**
     * The shape part's references fitted: {@code references}, or the even-indexed images' {@code
     * descriptors} when null. Fitting projects every reference onto principal axes, so fits that
     * share references share this.
     */
    public static NearestNormals shapeReferences(float[][] descriptors, float[][] references) {
        if (references != null) {
            return NearestNormals.fit(references);
        }
        float[][] even = new float[(descriptors.length + 1) / 2][];
        for (int i = 0; i < descriptors.length; i += 2) {
            even[i / 2] = descriptors[i];
        }
        return NearestNormals.fit(even);
    }

    /**
     * As {@link #of(List, double[][], float[][], float[][], int, double[], double[])}, with the
     * shape part's references and the blend part's prototypes already fitted ({@link
     * #shapeReferences}, {@link BlendedNormals#fit}); both or neither of {@code descriptors} and
     * {@code shape}.
     *
     * @param blend null for a score without the blend part
     */
    public static DoseFit withReferences(
            List<String> statistics,
            double[][] vectors,
            float[][] descriptors,
            NearestNormals shape,
            BlendedNormals blend,
            double[] outline,
            double[] orientation) {
        if (vectors.length < 8) {
            throw new IllegalArgumentException(
                    "score kind dose needs at least 8 calibration images, got " + vectors.length);
        }
        if (descriptors != null && descriptors.length != vectors.length) {
            throw new IllegalArgumentException(
                    "%d shape descriptors for %d images"
                            .formatted(descriptors.length, vectors.length));
        }
        if ((descriptors == null) != (shape == null)) {
            throw new IllegalArgumentException("shape descriptors and references go together");
        }
        if (blend != null && shape == null) {
            throw new IllegalArgumentException("a blend part needs the shape part");
        }
        requireOnePerImage(orientation, "orientation surprises", vectors.length);
        requireOnePerImage(outline, "outlines", vectors.length);
        for (double[] v : vectors) {
            if (!Arrays.stream(v).allMatch(Double::isFinite)) {
                throw new IllegalArgumentException(
                        "every calibration image needs finite statistics " + statistics);
            }
        }
        double[][][] halves = KernelDensity.alternate(vectors);
        KernelDensity density = KernelDensity.fit(statistics, halves[0]);
        double[][] held = halves[1];
        double[] densityNull = new double[held.length];
        for (int i = 0; i < held.length; i++) {
            densityNull[i] = density.negativeLogDensity(held[i]);
        }
        double[] nulls = NullSurprise.leaveOneOut(densityNull);
        // the odd-indexed images' nearest references, searched once for both shape parts
        NearestNormals.Nearest[] nearest =
                descriptors == null
                        ? null
                        : IntStream.range(0, vectors.length)
                                .parallel()
                                .mapToObj(i -> i % 2 == 1 ? shape.nearest(descriptors[i]) : null)
                                .toArray(NearestNormals.Nearest[]::new);
        double[] shapeNull =
                nearest == null
                        ? null
                        : partNull(vectors.length, i -> nearest[i].distance(), nulls);
        double[] blendNull =
                blend == null ? null : partNull(vectors.length, i -> blend.gain(nearest[i]), nulls);
        double[] outlineNull =
                outline == null ? null : partNull(vectors.length, i -> outline[i], nulls);
        double[] orientationNull =
                orientation == null ? null : partNull(vectors.length, i -> orientation[i], nulls);
        return new DoseFit(
                DoseModel.of(
                        density,
                        densityNull,
                        shape,
                        shapeNull,
                        blend,
                        blendNull,
                        outlineNull,
                        orientationNull),
                nulls);
    }

    private static void requireOnePerImage(double[] values, String what, int images) {
        if (values != null
                && (values.length != images || !Arrays.stream(values).allMatch(Double::isFinite))) {
            throw new IllegalArgumentException(
                    "%d %s for %d images, or one not finite"
                            .formatted(values.length, what, images));
        }
    }

    /**
     * A part's null: its values of the odd-indexed images; folds each one's surprise among the
     * others into {@code nulls}, the score's null.
     */
    private static double[] partNull(int images, IntToDoubleFunction value, double[] nulls) {
        double[] odd = new double[images / 2];
        for (int i = 1; i < images; i += 2) {
            odd[i / 2] = value.applyAsDouble(i);
        }
        double[] surprises = NullSurprise.leaveOneOut(odd);
        for (int i = 0; i < nulls.length; i++) {
            nulls[i] = Math.max(nulls[i], surprises[i]);
        }
        return odd;
    }
}
