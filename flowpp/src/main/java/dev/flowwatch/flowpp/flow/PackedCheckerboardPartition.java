package dev.flowwatch.flowpp.flow;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

import dev.flowwatch.flowpp.nn.Tensors;

/**
 * The checkerboard split with each half packed into an (H, W/2) grid, as the PyTorch Flow++
 * (chrischute/flowplusplus) does: row i of a half holds that half's positions of image row i. The
 * conditioning network then runs on half the positions of {@link CheckerboardPartition}'s masked
 * full-size input, which halves its convolutions and quarters its attention maps (O((H·W/2)²)
 * instead of O((H·W)²)), and only the transformed half goes through the mixture. Unconditional
 * couplings only: conditioning features are not packed.
 */
public final class PackedCheckerboardPartition implements Partition {

    private final int parity;

    /**
     * @param parity positions with (i + j) % 2 == parity condition, the others are transformed
     */
    public PackedCheckerboardPartition(int parity) {
        if (parity != 0 && parity != 1) {
            throw new IllegalArgumentException("parity must be 0 or 1, got " + parity);
        }
        this.parity = parity;
    }

    @Override
    public NDArray conditioner(NDArray x) {
        return pack(x, parity);
    }

    @Override
    public NDArray active(NDArray x) {
        return pack(x, 1 - parity);
    }

    @Override
    public NDArray merge(NDArray x, NDArray transformedActive) {
        Shape s = x.getShape();
        long n = s.get(0), c = s.get(1), h = s.get(2), w = s.get(3);
        NDArray kept = conditioner(x).reshape(n, c, h / 2, 2, w / 2);
        NDArray changed = transformedActive.reshape(n, c, h / 2, 2, w / 2);
        NDList rows = new NDList(2);
        for (int r = 0; r < 2; r++) {
            NDIndex row = new NDIndex(":, :, :, {}, :", r);
            NDArray fromKept = kept.get(row);
            NDArray fromChanged = changed.get(row);
            // image column 2b + col of row 2a + r belongs to the conditioner iff (r + col) % 2 ==
            // parity
            rows.add(
                    (r + parity) % 2 == 0
                            ? NDArrays.stack(new NDList(fromKept, fromChanged), 4)
                            : NDArrays.stack(new NDList(fromChanged, fromKept), 4));
        }
        return NDArrays.stack(rows, 3).reshape(n, c, h, w);
    }

    @Override
    public NDArray sumTransformed(NDArray elementLogDet) {
        return Tensors.sumPerExample(elementLogDet);
    }

    @Override
    public int conditionerChannels(int channels) {
        return channels;
    }

    @Override
    public int activeChannels(int channels) {
        return channels;
    }

    @Override
    public int networkWidth(int width) {
        return width / 2;
    }

    /** The positions with (i + j) % 2 == p as an (N, C, H, W/2) grid. */
    private static NDArray pack(NDArray x, int p) {
        Shape s = x.getShape();
        long n = s.get(0), c = s.get(1), h = s.get(2), w = s.get(3);
        if (h % 2 != 0 || w % 2 != 0) {
            throw new IllegalArgumentException(
                    "a packed checkerboard needs even height and width, got " + s);
        }
        NDArray blocks = x.reshape(n, c, h / 2, 2, w / 2, 2);
        NDList rows = new NDList(2);
        for (int r = 0; r < 2; r++) {
            rows.add(blocks.get(new NDIndex(":, :, :, {}, :, {}", r, (r + p) % 2)));
        }
        return NDArrays.stack(rows, 3).reshape(n, c, h, w / 2);
    }
}
