package dev.flowwatch.flowpp.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.function.IntFunction;

/**
 * The architecture of a Flow++ model, stored as JSON in every bundle. Build one with {@link
 * #builder()} or start from a named preset with {@link #presetBuilder}.
 *
 * @param preset the preset it derives from ("tiny", "small", "paper", "large"), informational
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

    /**
     * The presets by name, in the order the CLIs list them. A preset is a builder chain for inputs
     * whose shorter side is the function's argument: only "large" depends on it.
     */
    private static final Map<String, IntFunction<Builder>> PRESET_CHAINS = presetChains();

    public static final List<String> PRESETS = List.copyOf(PRESET_CHAINS.keySet());

    /** Above this resolution a level has no attention: its maps cost O((H·W)²) per image. */
    private static final int ATTENTION_MAX_SIDE = 16;

    /**
     * Checks the values. A {@link Builder} checks that every required value was set; these checks
     * live here rather than in {@link Builder#build()} because bundles are read through this
     * constructor too, and a hand-edited bundle.json deserves the same messages.
     */
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

    private static Map<String, IntFunction<Builder>> presetChains() {
        Map<String, IntFunction<Builder>> chains = new LinkedHashMap<>();
        chains.put("tiny", side -> tiny());
        chains.put("small", side -> small());
        chains.put("paper", side -> paper());
        chains.put("large", FlowConfig::large);
        return Collections.unmodifiableMap(chains);
    }

    /** Seconds on a CPU: for tests. */
    private static Builder tiny() {
        return builder()
                .setLevels(List.of(new Level(2, 2, 2)))
                .setHidden(8)
                .setBlocks(1)
                .setComponents(4)
                .setDequantizerCouplings(2)
                .setDequantizerHidden(8)
                .setDequantizerBlocks(1);
    }

    /** 28×28 data on 2 CPU cores: attention only at 14×14, where it is affordable. */
    private static Builder small() {
        return builder()
                .setLevels(List.of(new Level(2, 2, 0), new Level(2, 2, 4)))
                .setHidden(32)
                .setBlocks(1)
                .setComponents(8)
                .setDequantizerCouplings(2)
                .setDequantizerHidden(16)
                .setDequantizerBlocks(1);
    }

    /** Flow++ CIFAR-10 (Ho et al., 2019, Table 5), for inputs up to 32×32. */
    private static Builder paper() {
        return paperNetworks().setLevels(List.of(new Level(4, 2, 4), new Level(3, 0, 4)));
    }

    /**
     * The paper's networks for 64×64 and larger: a level per halving down to 16×16, where the last
     * level (and only it) has attention.
     */
    private static Builder large(int side) {
        List<Level> levels = new ArrayList<>();
        for (int s = side; s > ATTENTION_MAX_SIDE; s /= 2) {
            levels.add(new Level(4, 2, 0));
        }
        levels.add(new Level(3, 0, 4));
        return paperNetworks().setLevels(levels);
    }

    /**
     * The networks, mixtures and dequantizer of the paper's CIFAR-10 model (Table 5: 10 blocks, 96
     * filters, 32 components, dropout 0.2), without its levels.
     */
    private static Builder paperNetworks() {
        return builder()
                .setHidden(96)
                .setBlocks(10)
                .setComponents(32)
                .optDropout(0.2f)
                .setDequantizerCouplings(4)
                .setDequantizerHidden(96)
                .setDequantizerBlocks(5)
                .optLogitAlpha(0.1)
                .optCheckerboard(Checkerboard.PACKED);
    }

    /** An empty builder: set the input shape, levels, networks and (if variational) dequantizer. */
    public static Builder builder() {
        return new Builder();
    }

    /** A named preset for images of the given shape. */
    public static FlowConfig preset(String name, int channels, int height, int width) {
        return presetBuilder(name, channels, height, width).build();
    }

    /** A named preset for images of the given shape, to be changed before it is built. */
    public static Builder presetBuilder(String name, int channels, int height, int width) {
        IntFunction<Builder> chain = PRESET_CHAINS.get(name);
        if (chain == null) {
            throw new IllegalArgumentException(
                    "unknown preset '" + name + "'; known: " + String.join(", ", PRESETS));
        }
        return chain.apply(Math.min(height, width))
                .optPreset(name)
                .setInputShape(channels, height, width);
    }

    public int dimensions() {
        return channels * height * width;
    }

    /**
     * Builds a {@link FlowConfig} with named values: {@code setX} for what has no default, {@code
     * optX} for what has one (DJL's convention).
     */
    public static final class Builder {
        private String preset = "custom";
        private Integer channels;
        private Integer height;
        private Integer width;
        private List<Level> levels;
        private Integer hidden;
        private Integer blocks;
        private Integer components;
        private float dropout;
        private Dequantization dequantization = Dequantization.VARIATIONAL;
        private Integer dequantizerCouplings;
        private Integer dequantizerHidden;
        private Integer dequantizerBlocks;
        private double logitAlpha = 0.05;
        private long seed = 1L;
        private Checkerboard checkerboard = Checkerboard.MASKED;

        private Builder() {}

        /** The preset the configuration derives from, for the record (default: custom). */
        public Builder optPreset(String name) {
            this.preset = name;
            return this;
        }

        /** Channels, height and width of the input images. */
        public Builder setInputShape(int channels, int height, int width) {
            this.channels = channels;
            this.height = height;
            this.width = width;
            return this;
        }

        /** The scales of the multi-scale flow, outermost first. */
        public Builder setLevels(List<Level> levels) {
            this.levels = List.copyOf(levels);
            return this;
        }

        /** Channels of the couplings' conditioning networks. */
        public Builder setHidden(int hidden) {
            this.hidden = hidden;
            return this;
        }

        /** Residual blocks per conditioning network. */
        public Builder setBlocks(int blocks) {
            this.blocks = blocks;
            return this;
        }

        /** Logistic mixture components per coupling. */
        public Builder setComponents(int components) {
            this.components = components;
            return this;
        }

        /** Dropout rate of the conditioning networks while training (default: 0). */
        public Builder optDropout(float dropout) {
            this.dropout = dropout;
            return this;
        }

        /** Uniform or variational dequantization (default: variational). */
        public Builder optDequantization(Dequantization dequantization) {
            this.dequantization = dequantization;
            return this;
        }

        /** Mixture couplings of the dequantization flow; needed when it is variational. */
        public Builder setDequantizerCouplings(int couplings) {
            this.dequantizerCouplings = couplings;
            return this;
        }

        /** Channels of the dequantizer's networks; needed when it is variational. */
        public Builder setDequantizerHidden(int hidden) {
            this.dequantizerHidden = hidden;
            return this;
        }

        /** Residual blocks of each of the dequantizer's networks; needed when it is variational. */
        public Builder setDequantizerBlocks(int blocks) {
            this.dequantizerBlocks = blocks;
            return this;
        }

        /** The α of the logit preprocessing logit(α/2 + (1 − α)·v) (default: 0.05). */
        public Builder optLogitAlpha(double alpha) {
            this.logitAlpha = alpha;
            return this;
        }

        /** Seed of the initial weights (default: 1). */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /** How the checkerboard couplings split their input (default: masked). */
        public Builder optCheckerboard(Checkerboard checkerboard) {
            this.checkerboard = checkerboard;
            return this;
        }

        /**
         * The configuration; fails naming every required setter that was not called, then with
         * the record's own checks of the values.
         */
        public FlowConfig build() {
            StringJoiner missing = new StringJoiner(", ");
            if (channels == null) {
                missing.add("setInputShape");
            }
            if (levels == null) {
                missing.add("setLevels");
            }
            if (hidden == null) {
                missing.add("setHidden");
            }
            if (blocks == null) {
                missing.add("setBlocks");
            }
            if (components == null) {
                missing.add("setComponents");
            }
            boolean variational = dequantization == Dequantization.VARIATIONAL;
            if (variational && dequantizerCouplings == null) {
                missing.add("setDequantizerCouplings");
            }
            if (variational && dequantizerHidden == null) {
                missing.add("setDequantizerHidden");
            }
            if (variational && dequantizerBlocks == null) {
                missing.add("setDequantizerBlocks");
            }
            if (missing.length() > 0) {
                throw new IllegalStateException(
                        "the flow configuration is incomplete: call " + missing);
            }
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
                    orZero(dequantizerCouplings),
                    orZero(dequantizerHidden),
                    orZero(dequantizerBlocks),
                    logitAlpha,
                    seed,
                    checkerboard);
        }

        /** A uniform dequantizer has no networks, so their sizes may be left unset: 0. */
        private static int orZero(Integer value) {
            return value == null ? 0 : value;
        }
    }
}
