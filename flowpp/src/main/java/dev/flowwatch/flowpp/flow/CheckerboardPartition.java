package dev.flowwatch.flowpp.flow;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.flowwatch.flowpp.nn.Tensors;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Spatial checkerboard split (RealNVP): positions with (i + j) % 2 == parity condition, the others
 * are transformed. Works for any channel count, including grayscale.
 */
public final class CheckerboardPartition implements Partition {

    private static final ConcurrentMap<MaskKey, Masks> MASKS = new ConcurrentHashMap<>();
    private static final ConcurrentMap<Device, NDManager> MASK_MANAGERS = new ConcurrentHashMap<>();

    private final int parity;

    public CheckerboardPartition(int parity) {
        if (parity != 0 && parity != 1) {
            throw new IllegalArgumentException("parity must be 0 or 1, got " + parity);
        }
        this.parity = parity;
    }

    @Override
    public NDArray conditioner(NDArray x) {
        return x.mul(masks(x).conditioning());
    }

    @Override
    public NDArray active(NDArray x) {
        return x;
    }

    @Override
    public NDArray merge(NDArray x, NDArray transformedActive) {
        Masks masks = masks(x);
        return x.mul(masks.conditioning()).add(transformedActive.mul(masks.transformed()));
    }

    @Override
    public NDArray sumTransformed(NDArray elementLogDet) {
        return Tensors.sumPerExample(elementLogDet.mul(masks(elementLogDet).transformed()));
    }

    @Override
    public int conditionerChannels(int channels) {
        return channels;
    }

    @Override
    public int activeChannels(int channels) {
        return channels;
    }

    /** 1 at the conditioning positions ((i + j) % 2 == parity), and its complement, 1 − that. */
    private record Masks(NDArray conditioning, NDArray transformed) {}

    private record MaskKey(Device device, DataType type, long height, long width, int parity) {}

    /**
     * The masks for arrays like {@code like}, built once per device, type, size and parity and kept
     * for the JVM's life (a few KB each): a coupling uses them three times per pass, and building
     * them was ten operators each time.
     */
    private Masks masks(NDArray like) {
        Shape s = like.getShape();
        return MASKS.computeIfAbsent(
                new MaskKey(like.getDevice(), like.getDataType(), s.get(2), s.get(3), parity),
                CheckerboardPartition::build);
    }

    /**
     * Built by PyTorch ops rather than from a Java array, in a manager of their own and outside the
     * caller's scope: autograd keeps a mask for the backward pass, and the passes of every thread
     * share them, only reading.
     */
    private static Masks build(MaskKey key) {
        NDManager m = MASK_MANAGERS.computeIfAbsent(key.device(), NDManager::newBaseManager);
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray rows = m.arange(0, (int) key.height(), 1, DataType.INT32).reshape(1, 1, -1, 1);
            NDArray columns =
                    m.arange(0, (int) key.width(), 1, DataType.INT32).reshape(1, 1, 1, -1);
            NDArray sum = rows.add(columns);
            NDArray conditioning =
                    sum.mod(Tensors.constant(sum, 2))
                            .eq(Tensors.constant(sum, key.parity()))
                            .toType(key.type(), false);
            NDArray transformed = Tensors.rsub(conditioning, 1);
            NDScope.unregister(conditioning, transformed);
            return new Masks(conditioning, transformed);
        }
    }
}
