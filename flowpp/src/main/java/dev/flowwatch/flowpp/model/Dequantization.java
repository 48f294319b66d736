package dev.flowwatch.flowpp.model;

/** How continuous noise u ∈ [0, 1)^D is added to integer pixels before the flow sees them. */
public enum Dequantization {
    /** u ~ U[0, 1): the baseline of RealNVP and Glow. */
    UNIFORM,
    /** u ~ q(u|x), a conditional flow trained jointly (Flow++ §3.1). */
    VARIATIONAL
}
