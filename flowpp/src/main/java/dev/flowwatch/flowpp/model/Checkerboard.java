package dev.flowwatch.flowpp.model;

/** How the main flow's checkerboard couplings present the conditioning half to their networks. */
public enum Checkerboard {
    /**
     * The full-size input with the transformed half masked to zero (RealNVP); the network sees
     * every position. The form of the bundles made before {@link #PACKED} existed.
     */
    MASKED,
    /**
     * Each half packed into an (H, W/2) grid (chrischute/flowplusplus): half the convolution work
     * and a quarter of the attention memory of {@link #MASKED}.
     */
    PACKED
}
