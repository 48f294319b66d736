package dev.flowwatch.flowpp.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.Parameter;

import java.util.function.Supplier;

/**
 * An array computed from parameters alone (a convolution's normalised weight, a 1×1 convolution's
 * matrix), computed once per set of weights while they are frozen instead of on every pass.
 *
 * <p>Scoring runs the same weights batch after batch, and recomputing such arrays is many small
 * operators per layer: on an H200 the weight normalisation of {@code paper}'s 457 convolutions was
 * most of the third of a forward pass spent in operators too small to use the GPU (README, Results
 * on an H200); a host that issues operators one by one pays for each of them.
 *
 * <p>The kept array is only used while no source array records a gradient. Training writes its
 * weights in place (the optimizer's step, the weight average's swap, a resumed run's copy), and
 * always into arrays recording gradients ({@code Weights.recordingGradients} comes first), so while
 * training every pass computes afresh, as autograd needs anyway; a data-dependent initialisation
 * that writes frozen arrays in place calls {@link #forget}. A parameter given a new array (a
 * reload) is noticed by identity.
 */
public final class Derived {

    private final Supplier<NDArray> compute;
    private final Parameter[] sources;
    // read without the lock on every pass: a frozen model's passes, on several threads, only read
    private volatile Kept kept;

    private record Kept(NDArray[] from, NDArray value) {

        /** Whether this was derived from these very arrays, and is still open. */
        boolean of(NDArray[] arrays) {
            for (int i = 0; i < from.length; i++) {
                if (from[i] != arrays[i]) {
                    return false;
                }
            }
            return !value.isReleased();
        }
    }

    Derived(Supplier<NDArray> compute, Parameter... sources) {
        this.compute = compute;
        this.sources = sources.clone();
    }

    /**
     * The array, owned by the sources' manager while kept: the caller must not close it. It is the
     * caller's own (in the caller's scope) while the sources record gradients.
     */
    public NDArray get() {
        NDArray[] from = new NDArray[sources.length];
        for (int i = 0; i < sources.length; i++) {
            from[i] = sources[i].getArray();
            if (from[i].hasGradient()) {
                forget();
                return compute.get();
            }
        }
        Kept current = kept;
        if (current == null || !current.of(from)) {
            synchronized (this) {
                current = kept;
                if (current == null || !current.of(from)) {
                    forget();
                    current = new Kept(from, computeOutsideTheCallersScope());
                    kept = current;
                }
            }
        }
        return current.value();
    }

    private NDArray computeOutsideTheCallersScope() {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray value = compute.get();
            // the kept array lives as long as the sources' manager, not the caller's scope
            NDScope.unregister(value);
            return value;
        }
    }

    /** Drops the kept array, for a caller that has written the sources' values in place. */
    public void forget() {
        if (kept == null) {
            return;
        }
        synchronized (this) {
            if (kept != null) {
                kept.value().close();
                kept = null;
            }
        }
    }
}
