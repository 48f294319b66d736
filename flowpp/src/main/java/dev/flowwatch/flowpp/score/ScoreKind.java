package dev.flowwatch.flowpp.score;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What an anomaly score measures. Higher is more anomalous for every kind. */
public enum ScoreKind {
    /** Negative ELBO in bits/dim. */
    BPD,
    /** Negative importance-weighted bound in bits/dim; needs importance samples K &gt; 0. */
    BPD_IW,
    /** Negative ELBO in bits/dim minus the input complexity L(x)/D (Serrà et al., 2020). */
    COMPLEXITY,
    /**
     * Negative ELBO in bits/dim minus that of the bundle's background model: the log-likelihood
     * ratio log p_background(x) − log p(x), per dimension in bits (Ren et al., 2019).
     */
    LIKELIHOOD_RATIO,
    /**
     * How atypical the image is: the largest surprise, among held-out normal images, of a kernel
     * density over its statistics (the ELBO's per-scale terms, the dequantizer's term, the input
     * complexity, the sharpness, the layout; density of states, Morningstar et al., 2021; {@link
     * DoseStatistics}), of the distance of its edges to the nearest normal images', of how much
     * nearer a blend of two normal images' edges lies ({@link BlendedNormals}), and of how unsure
     * an orientation network is that it is upright ({@link DoseModel}).
     */
    DOSE;

    /**
     * The name in configuration, files and {@code score_kind}: bpd, bpd_iw, complexity,
     * likelihood_ratio, dose.
     */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses {@link #id()}, case-insensitively and with '-' for '_'; the message lists the known
     * kinds.
     */
    public static ScoreKind parse(String id) {
        for (ScoreKind k : values()) {
            if (k.id().equalsIgnoreCase(id.trim().replace('-', '_'))) {
                return k;
            }
        }
        throw new IllegalArgumentException(
                "unknown score kind '"
                        + id
                        + "'; known: "
                        + Arrays.stream(values())
                                .map(ScoreKind::id)
                                .collect(Collectors.joining(", ")));
    }
}
