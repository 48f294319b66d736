package dev.flowwatch.flowpp.model;

import java.util.List;
import java.util.Locale;

/**
 * The architecture of a Flow++ model, stored as JSON in every bundle.
 *
 * @param preset the preset it derives from ("tiny", "small", "paper"), informational
 * @param channels input channels C (1 grayscale, 3 RGB)
 * @param height input height H, divisible by 2^levels
 * @param width input width W, divisible by 2^levels
 * @param levels scales of the multi-scale flow, outermost first
 * @param hidden channels of the couplings' conditioning networks
 * @param blocks residual gated-conv/attention blocks per conditioning network
 * @param components logistic mixture components K per coupling
 * @param dropout dropout rate in the conditioning networks while training
 * @param dequantization uniform or variational dequantization
 * @param dequantizerCouplings mixture couplings in the dequantization flow q(u|x)
 * @param dequantizerHidden channels of the dequantizer's feature and coupling networks
 * @param dequantizerBlocks residual blocks in each of the dequantizer's networks
 * @param logitAlpha the α of the logit preprocessing logit(α/2 + (1 − α)·v)
 * @param seed seed of the initial weights
 * @param checkerboard how the checkerboard couplings of the main flow split their input; absent
 *     (null) in bundles made before it existed, which are {@link Checkerboard#MASKED}
 */
public record FlowConfig(
        String preset,
        int channels,
        int height,
        int width,
        List<Level> levels,
        int hidden,
        int blocks,
        int components,
        float dropout,
        Dequantization dequantization,
        int dequantizerCouplings,
        int dequantizerHidden,
        int dequantizerBlocks,
        double logitAlpha,
        long seed,
        Checkerboard checkerboard) {

    public static final List<String> PRESETS = List.of("tiny", "small", "paper", "large");

    /** Above this resolution a level has no attention: its maps cost O((H·W)²) per image. */
    private static final int ATTENTION_MAX_SIDE = 16;

    public FlowConfig {
        levels = List.copyOf(levels);
        if (checkerboard == null) {
            checkerboard = Checkerboard.MASKED;
        }
        if (channels < 1 || height < 2 || width < 2) {
            throw new IllegalArgumentException(
                    "input shape must be at least 1x2x2, got "
                            + channels
                            + "x"
                            + height
                            + "x"
                            + width);
        }
        if (levels.isEmpty()) {
            throw new IllegalArgumentException("a flow needs at least one level");
        }
        int factor = 1 << levels.size();
        if (height % factor != 0 || width % factor != 0) {
            throw new IllegalArgumentException(
                    String.format(
                            Locale.ROOT,
                            "%d level(s) need height and width divisible by %d, got %dx%d: use"
                                    + " fewer levels",
                            levels.size(),
                            factor,
                            height,
                            width));
        }
        if (hidden < 1 || blocks < 0 || components < 1) {
            throw new IllegalArgumentException("hidden, blocks and components must be positive");
        }
        if (dropout < 0 || dropout >= 1) {
            throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
        }
        if (dequantization == Dequantization.VARIATIONAL
                && (dequantizerCouplings < 1 || dequantizerHidden < 1)) {
            throw new IllegalArgumentException(
                    "variational dequantization needs couplings and hidden channels");
        }
    }

    /** A named preset for images of the given shape. */
    public static FlowConfig preset(String name, int channels, int height, int width) {
        return switch (name) {
            // seconds on a CPU: for tests
            case "tiny" ->
                    new FlowConfig(
                            "tiny",
                            channels,
                            height,
                            width,
                            List.of(new Level(2, 2, 2)),
                            8,
                            1,
                            4,
                            0f,
                            Dequantization.VARIATIONAL,
                            2,
                            8,
                            1,
                            0.05,
                            1L,
                            Checkerboard.MASKED);
            // 28×28 data on 2 CPU cores: attention only at 14×14, where it is affordable
            case "small" ->
                    new FlowConfig(
                            "small",
                            channels,
                            height,
                            width,
                            List.of(new Level(2, 2, 0), new Level(2, 2, 4)),
                            32,
                            1,
                            8,
                            0f,
                            Dequantization.VARIATIONAL,
                            2,
                            16,
                            1,
                            0.05,
                            1L,
                            Checkerboard.MASKED);
            // Flow++ CIFAR-10 (Ho et al., 2019, Table 5): 10 blocks, 96 filters, 32 components, 4
            // heads
            case "paper" ->
                    paperNetworks(
                            "paper",
                            channels,
                            height,
                            width,
                            List.of(new Level(4, 2, 4), new Level(3, 0, 4)));
            // the paper's networks for 64×64 and larger: a level per halving down to 16×16, where
            // the last level (and only it) has attention
            case "large" ->
                    paperNetworks(
                            "large", channels, height, width, largeLevels(Math.min(height, width)));
            default ->
                    throw new IllegalArgumentException(
                            "unknown preset '" + name + "'; known: " + String.join(", ", PRESETS));
        };
    }

    /** The networks, mixtures and dequantizer of the paper's CIFAR-10 model on given levels. */
    private static FlowConfig paperNetworks(
            String name, int channels, int height, int width, List<Level> levels) {
        return new FlowConfig(
                name,
                channels,
                height,
                width,
                levels,
                96,
                10,
                32,
                0.2f,
                Dequantization.VARIATIONAL,
                4,
                96,
                5,
                0.1,
                1L,
                Checkerboard.PACKED);
    }

    private static List<Level> largeLevels(int side) {
        List<Level> levels = new java.util.ArrayList<>();
        for (int s = side; s > ATTENTION_MAX_SIDE; s /= 2) {
            levels.add(new Level(4, 2, 0));
        }
        levels.add(new Level(3, 0, 4));
        return levels;
    }

    public int dimensions() {
        return channels * height * width;
    }

    public FlowConfig withDequantization(Dequantization kind) {
        return new FlowConfig(
                preset,
                channels,
                height,
                width,
                levels,
                hidden,
                blocks,
                components,
                dropout,
                kind,
                dequantizerCouplings,
                dequantizerHidden,
                dequantizerBlocks,
                logitAlpha,
                seed,
                checkerboard);
    }

    public FlowConfig withSeed(long newSeed) {
        return new FlowConfig(
                preset,
                channels,
                height,
                width,
                levels,
                hidden,
                blocks,
                components,
                dropout,
                dequantization,
                dequantizerCouplings,
                dequantizerHidden,
                dequantizerBlocks,
                logitAlpha,
                newSeed,
                checkerboard);
    }
}
