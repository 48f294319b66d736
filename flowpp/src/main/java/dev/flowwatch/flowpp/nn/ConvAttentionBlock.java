package dev.flowwatch.flowpp.nn;

import ai.djl.ndarray.NDArray;

import java.util.List;

/**
 * One residual block of the Flow++ conditioning network: x ← norm(x + gatedConv(x)), then, with
 * attention, x ← norm(x + attention(x)).
 */
public final class ConvAttentionBlock extends Module {

    private final GatedConv conv;
    private final ChannelLayerNorm convNorm;
    private final SelfAttention attention;
    private final ChannelLayerNorm attentionNorm;

    /**
     * @param attentionHeads 0 for a block without self-attention
     */
    public ConvAttentionBlock(
            int channels,
            int conditioningChannels,
            int attentionHeads,
            int height,
            int width,
            float dropout) {
        conv = child("conv", new GatedConv(channels, conditioningChannels, dropout));
        convNorm = child("convNorm", new ChannelLayerNorm(channels));
        if (attentionHeads > 0) {
            attention =
                    child(
                            "attention",
                            new SelfAttention(channels, attentionHeads, height, width, dropout));
            attentionNorm = child("attentionNorm", new ChannelLayerNorm(channels));
        } else {
            attention = null;
            attentionNorm = null;
        }
    }

    /**
     * The blocks applied in turn; each intermediate output is closed once the next block has
     * consumed it, so a stack of any depth holds one block's arrays.
     */
    public static NDArray applyAll(
            List<ConvAttentionBlock> blocks, NDArray x, NDArray conditioning, boolean training) {
        NDArray h = x;
        for (ConvAttentionBlock block : blocks) {
            NDArray next = block.apply(h, conditioning, training);
            if (h != x) {
                h.close();
            }
            h = next;
        }
        return h;
    }

    /** The block's output; its temporaries are released when it returns ({@link Scopes}). */
    public NDArray apply(NDArray x, NDArray conditioning, boolean training) {
        return Scopes.retain(
                () -> {
                    NDArray h = convNorm.apply(x.add(conv.apply(x, conditioning, training)));
                    if (attention != null) {
                        h = attentionNorm.apply(h.add(attention.apply(h, training)));
                    }
                    return h;
                },
                x,
                conditioning);
    }
}
