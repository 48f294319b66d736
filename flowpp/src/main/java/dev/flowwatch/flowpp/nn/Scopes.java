package dev.flowwatch.flowpp.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Frees a computation's temporaries as soon as it returns, as PyTorch does when the last reference
 * to a tensor goes, instead of when the caller's {@link NDScope} closes.
 *
 * <p>DJL keeps every array of a scope alive until the scope closes, so a forward pass of a deep
 * flow inside one scope holds every intermediate of every layer at once: tens of GB for the
 * {@code paper} preset. Running each layer in its own nested scope that keeps only the layer's
 * outputs bounds the live arrays by one layer's worth. Closing an array only drops its Java handle:
 * a tensor that autograd saved for the backward pass stays alive in the graph (PyTorch counts
 * references), so this is safe while recording gradients too.
 */
public final class Scopes {

    private Scopes() {}

    /**
     * Runs {@code body} in a nested scope; the arrays it created are closed when it returns, except
     * {@code outputs(result)}, which move to the enclosing scope.
     *
     * @param inputs arrays the body may return unchanged; they stay with whoever owns them
     */
    public static <T> T retain(
            Supplier<T> body, Function<T, List<NDArray>> outputs, NDArray... inputs) {
        T result;
        List<NDArray> kept;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            result = body.get();
            kept = outputs.apply(result);
            for (NDArray array : kept) {
                NDScope.unregister(array);
            }
        }
        Set<NDArray> owned = Collections.newSetFromMap(new IdentityHashMap<>());
        Collections.addAll(owned, inputs);
        for (NDArray array : kept) {
            if (array != null && !owned.contains(array)) {
                NDScope.register(array);
            }
        }
        return result;
    }

    /** {@link #retain} for a body that returns one array. */
    public static NDArray retain(Supplier<NDArray> body, NDArray... inputs) {
        return retain(body, List::of, inputs);
    }
}
