package dev.flowwatch.flowpp.score;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What the {@link ScoreKind#DOSE} score of an image is computed from: a {@link KernelDensity} over
 * its {@link DoseStatistics}, and, where calibrated with them, the distance of its {@link
 * ShapeDescriptor} to the nearest normal images ({@link NearestNormals}), how much nearer it lies
 * to a blend of two normal shapes ({@link BlendedNormals}), how faint its outline is against its
 * body ({@link ImageOutline}), and the surprise of the bundle's orientation network ({@link
 * dev.flowwatch.flowpp.orientation.OrientationNet#surprise}: how unsure it is that the image is
 * upright). Each part has the null distribution of its own values on held-out normal images, and
 * the score is the largest of the parts' {@link NullSurprise surprises}: −log of the smallest
 * p-value, Tippett's combination.
 *
 * <p>Why not one density over both: the shape distance is one coordinate among many, and a density
 * over all of them notices it only when it is far out while the rest are typical. In the numpy
 * replica of the benchmark (README, "Anomaly scores"), one density over both lifted upside-down
 * garments from AUROC 0.756 to 0.854 and mixed ones from 0.690 to 0.709; the larger surprise lifted
 * them to 0.906 and 0.741. The price: with two ways to alert, each part's own threshold is stricter
 * than it would be alone (the score's null, calibrated on the same images, keeps the alert rate at
 * α), so a kind that only one part sees is flagged a little less often.
 */
public final class DoseModel {

    /**
     * As stored in a calibration.
     *
     * @param density the density over the statistics
     * @param densityNull −log of the density at each held-out normal image
     * @param shape the reference set, or null when the score has no shape part
     * @param shapeNull each held-out normal image's shape distance, or null with no shape part
     * @param blend the prototypes of the blend part, or null when the score has none (it needs the
     *     shape part)
     * @param blendNull each held-out normal image's blend gain, or null with no blend part
     * @param outlineNull each held-out normal image's {@link ImageOutline}, or null when the score
     *     has no outline part
     * @param orientationNull each held-out normal image's orientation surprise, or null when the
     *     score has no orientation part
     */
    public record State(
            KernelDensity.State density,
            double[] densityNull,
            NearestNormals.State shape,
            double[] shapeNull,
            BlendedNormals.State blend,
            double[] blendNull,
            double[] outlineNull,
            double[] orientationNull) {}

    /** A part of the score, judged by its own null; the one most surprised makes the score. */
    public enum Part {
        /** The density over the model's and the image's statistics together. */
        DENSITY(
                "its statistics together (the bound's terms, complexity, sharpness, intensity"
                        + " range, layout) are unlike normal images'"),
        /** The distance to the nearest normal shape. */
        SHAPE("its edges lie far from every normal image's"),
        /** How much nearer a blend of two normal shapes lies. */
        BLEND("it lies between two kinds of normal shape, as a mix of two images does"),
        /** How faint the outline is against the body ({@link ImageOutline}). */
        OUTLINE("its outline is faint against its body, as where two images overlap"),
        /** How unsure the orientation network is that the image is upright. */
        ORIENTATION("it looks turned from upright");

        private final String meaning;

        Part(String meaning) {
            this.meaning = meaning;
        }

        /** The name in records and reports: density, shape, blend, outline, orientation. */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** What it means that this part made an image's score, in words for an alert's reader. */
        public String meaning() {
            return meaning;
        }

        /** The part named {@code id}, if any. */
        public static Optional<Part> of(String id) {
            return Arrays.stream(values()).filter(p -> p.id().equals(id)).findFirst();
        }
    }

    /**
     * An image's dose score and where it comes from.
     *
     * @param score the largest of the parts' surprises
     * @param part the part whose surprise that is (the first of them in {@link Part}'s order on a
     *     tie)
     */
    public record Judgement(double score, Part part) {

        /** The scores of these judgements, in their order. */
        public static double[] scores(Judgement[] judgements) {
            return Arrays.stream(judgements).mapToDouble(Judgement::score).toArray();
        }
    }

    /**
     * What the shape parts say of an image.
     *
     * @param distance to the nearest reference ({@link NearestNormals})
     * @param blendGain {@link BlendedNormals#gain}, NaN without the blend part
     */
    public record ShapeMatch(double distance, double blendGain) {}

    private final State state;
    private final KernelDensity density;
    private final NullSurprise densitySurprise;
    private final NearestNormals shape;
    private final NullSurprise shapeSurprise;
    private final BlendedNormals blend;
    private final NullSurprise blendSurprise;
    private final NullSurprise outlineSurprise;
    private final NullSurprise orientationSurprise;

    private DoseModel(
            State state,
            KernelDensity density,
            NullSurprise densitySurprise,
            NearestNormals shape,
            NullSurprise shapeSurprise,
            BlendedNormals blend,
            NullSurprise blendSurprise,
            NullSurprise outlineSurprise,
            NullSurprise orientationSurprise) {
        this.state = state;
        this.density = density;
        this.densitySurprise = densitySurprise;
        this.shape = shape;
        this.shapeSurprise = shapeSurprise;
        this.blend = blend;
        this.blendSurprise = blendSurprise;
        this.outlineSurprise = outlineSurprise;
        this.orientationSurprise = orientationSurprise;
    }

    /**
     * The model stored as {@code state}.
     *
     * @throws IllegalArgumentException when a part is missing or inconsistent
     */
    public static DoseModel of(State state) {
        if (state.density() == null || state.densityNull() == null) {
            throw new IllegalArgumentException("no density, or no null scores of it");
        }
        if ((state.shape() == null) != (state.shapeNull() == null)) {
            throw new IllegalArgumentException(
                    "a shape part needs both its reference set and its null distances");
        }
        if ((state.blend() == null) != (state.blendNull() == null)) {
            throw new IllegalArgumentException(
                    "a blend part needs both its prototypes and its null gains");
        }
        NearestNormals shape = state.shape() == null ? null : NearestNormals.of(state.shape());
        BlendedNormals blend = state.blend() == null ? null : BlendedNormals.of(state.blend());
        if (blend != null && (shape == null || blend.state().dimensions() != shape.dimensions())) {
            throw new IllegalArgumentException(
                    "a blend part needs a shape part of as many coordinates as its prototypes");
        }
        return new DoseModel(
                state,
                KernelDensity.of(state.density()),
                NullSurprise.of(state.densityNull()),
                shape,
                state.shapeNull() == null ? null : NullSurprise.of(state.shapeNull()),
                blend,
                blend == null ? null : NullSurprise.of(state.blendNull()),
                state.outlineNull() == null ? null : NullSurprise.of(state.outlineNull()),
                state.orientationNull() == null ? null : NullSurprise.of(state.orientationNull()));
    }

    /**
     * A model of these parts.
     *
     * @param shape null for a score without the shape part, and then {@code shapeNull} too
     * @param blend null for a score without the blend part, and then {@code blendNull} too
     * @param outlineNull null for a score without the outline part
     * @param orientationNull null for a score without the orientation part
     */
    static DoseModel of(
            KernelDensity density,
            double[] densityNull,
            NearestNormals shape,
            double[] shapeNull,
            BlendedNormals blend,
            double[] blendNull,
            double[] outlineNull,
            double[] orientationNull) {
        return of(
                new State(
                        density.state(),
                        sorted(densityNull),
                        shape == null ? null : shape.state(),
                        shape == null ? null : sorted(shapeNull),
                        blend == null ? null : blend.state(),
                        blend == null ? null : sorted(blendNull),
                        outlineNull == null ? null : sorted(outlineNull),
                        orientationNull == null ? null : sorted(orientationNull)));
    }

    public State state() {
        return state;
    }

    /** The statistics the density is over, in order. */
    public List<String> statistics() {
        return density.statistics();
    }

    /** Whether the score has the shape part, and so needs each image's descriptor. */
    public boolean usesShape() {
        return shape != null;
    }

    /** The parts the score has, in {@link Part}'s order. */
    public List<Part> parts() {
        List<Part> parts = new ArrayList<>(List.of(Part.DENSITY));
        if (usesShape()) {
            parts.add(Part.SHAPE);
        }
        if (usesBlend()) {
            parts.add(Part.BLEND);
        }
        if (usesOutline()) {
            parts.add(Part.OUTLINE);
        }
        if (usesOrientation()) {
            parts.add(Part.ORIENTATION);
        }
        return List.copyOf(parts);
    }

    /** Whether the score has the blend part ({@link BlendedNormals}). */
    public boolean usesBlend() {
        return blend != null;
    }

    /** Whether the score has the outline part ({@link ImageOutline}). */
    public boolean usesOutline() {
        return outlineSurprise != null;
    }

    /**
     * Whether the score has the orientation part, and so needs the bundle's orientation network to
     * run on every image.
     */
    public boolean usesOrientation() {
        return orientationSurprise != null;
    }

    /**
     * The dose score: the largest surprise of the image's density, and where the score has them, of
     * its shape distance, its blend gain, its outline and its orientation.
     *
     * @param statistics the image's {@link DoseStatistics}, named by {@link #statistics()}
     * @param descriptor its {@link ShapeDescriptor}; ignored, and may be null, without a shape part
     * @param orientation its orientation surprise; ignored without an orientation part
     * @param outline its {@link ImageOutline}; ignored without an outline part
     */
    public double score(
            double[] statistics, float[] descriptor, double orientation, double outline) {
        return judge(
                        statistics,
                        shape == null ? null : shapeMatch(descriptor),
                        orientation,
                        outline)
                .score();
    }

    /**
     * {@link #score} of an image whose {@link #shapeMatch} is already known, with the part the
     * score comes from: what an alert can tell its reader about why the image is atypical.
     *
     * @param shapeMatch ignored, and may be null, without a shape part
     * @param orientation ignored without an orientation part
     * @param outline ignored without an outline part
     */
    public Judgement judge(
            double[] statistics, ShapeMatch shapeMatch, double orientation, double outline) {
        Judgement j =
                new Judgement(
                        densitySurprise.surprise(density.negativeLogDensity(statistics)),
                        Part.DENSITY);
        if (shape != null) {
            j = larger(j, shapeSurprise.surprise(shapeMatch.distance()), Part.SHAPE);
        }
        if (blend != null) {
            j = larger(j, blendSurprise.surprise(shapeMatch.blendGain()), Part.BLEND);
        }
        if (outlineSurprise != null) {
            j = larger(j, outlineSurprise.surprise(outline), Part.OUTLINE);
        }
        if (orientationSurprise != null) {
            j = larger(j, orientationSurprise.surprise(orientation), Part.ORIENTATION);
        }
        return j;
    }

    private static Judgement larger(Judgement best, double surprise, Part part) {
        return surprise > best.score() ? new Judgement(surprise, part) : best;
    }

    /**
     * What the shape parts say of the image with this descriptor: one search for its nearest
     * reference serves both.
     *
     * @throws IllegalStateException without a shape part
     */
    public ShapeMatch shapeMatch(float[] descriptor) {
        if (shape == null) {
            throw new IllegalStateException("this dose score has no shape part");
        }
        NearestNormals.Nearest nearest = shape.nearest(descriptor);
        return new ShapeMatch(nearest.distance(), blend == null ? Double.NaN : blend.gain(nearest));
    }

    KernelDensity density() {
        return density;
    }

    private static double[] sorted(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s;
    }
}
