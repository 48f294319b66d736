package dev.flowwatch.flowpp.model;

import java.util.Locale;

/**
 * One scale of the multi-scale flow: checkerboard couplings at the level's resolution, a squeeze,
 * channel couplings at half the resolution, then (except at the last level) half of the channels
 * are factored out and the rest go on to the next level.
 *
 * @param checkerboardCouplings couplings with a spatial checkerboard split, before the squeeze
 * @param channelCouplings couplings with a channel split, after the squeeze
 * @param attentionHeads self-attention heads in this level's conditioning networks; 0 disables
 *     attention, which matters at high resolution where attention costs O((H·W)²)
 */
public record Level(int checkerboardCouplings, int channelCouplings, int attentionHeads) {

    public Level {
        if (checkerboardCouplings < 0 || channelCouplings < 0 || attentionHeads < 0) {
            // the parameters, not this: a compact constructor assigns the fields after its body
            throw new IllegalArgumentException(
                    String.format(
                            Locale.ROOT,
                            "level counts must be >= 0, got %d checkerboard coupling(s), %d"
                                    + " channel coupling(s), %d attention head(s)",
                            checkerboardCouplings,
                            channelCouplings,
                            attentionHeads));
        }
    }
}
