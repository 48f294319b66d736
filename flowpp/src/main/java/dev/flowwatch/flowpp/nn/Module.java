package dev.flowwatch.flowpp.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;

import java.util.function.Supplier;

/**
 * Base of every flowpp building block: a DJL {@link AbstractBlock} whose parameters have fixed
 * shapes known at construction, so that {@code initialize}, devices and {@code saveParameters} work
 * the DJL way without shape inference.
 *
 * <p>Subclasses compute with their parameter arrays directly ({@link #value(Parameter)}): the model
 * lives on one device, so the {@link ParameterStore} indirection of DJL's trainer is not needed.
 */
public abstract class Module extends AbstractBlock {

    protected Module() {
        super((byte) 1);
    }

    /** Declares a trainable parameter of a fixed shape. */
    protected final Parameter parameter(String name, Shape shape, Initializer initializer) {
        return addParameter(
                Parameter.builder()
                        .setName(name)
                        .setType(Parameter.Type.OTHER)
                        .optShape(shape)
                        .optInitializer(initializer)
                        .build());
    }

    /** Declares a saved but frozen parameter (a constant of the layer, e.g. a permutation). */
    protected final Parameter constant(String name, Shape shape, Initializer initializer) {
        return addParameter(
                Parameter.builder()
                        .setName(name)
                        .setType(Parameter.Type.OTHER)
                        .optShape(shape)
                        .optInitializer(initializer)
                        .optRequiresGrad(false)
                        .build());
    }

    /**
     * An array computed from {@code sources} alone, kept between passes while they are frozen (see
     * {@link Derived}).
     */
    protected final Derived derived(Supplier<NDArray> compute, Parameter... sources) {
        return new Derived(compute, sources);
    }

    /**
     * c as a 0-dim array of {@code like}'s type on its device, kept between passes while {@code
     * like} is frozen: filled afresh, a constant is one more operator per pass, which a host
     * issuing operators one by one to a GPU pays for.
     */
    protected final Derived constantLike(Parameter like, double c) {
        return derived(() -> Tensors.constant(value(like), c), like);
    }

    protected final <B extends Block> B child(String name, B block) {
        return addChildBlock(name, block);
    }

    protected static NDArray value(Parameter parameter) {
        return parameter.getArray();
    }

    @Override
    protected void initializeChildBlocks(
            NDManager manager, DataType dataType, Shape... inputShapes) {
        for (Block block : getChildren().values()) {
            block.initialize(manager, dataType, inputShapes);
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        throw new UnsupportedOperationException(
                getClass().getSimpleName()
                        + " is called through its typed methods (forward/inverse/apply), not"
                        + " Block.forward");
    }
}
