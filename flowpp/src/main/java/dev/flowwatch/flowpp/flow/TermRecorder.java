package dev.flowwatch.flowpp.flow;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects, during one forward pass, the per-example terms a likelihood bound is made of: what the
 * dequantizer, the logit transform and each scale of the multi-scale flow contribute. Anomaly
 * scores use them apart (a scale's terms measure local texture or global shape, Schirrmeister et
 * al., NeurIPS 2020), where the bound only has their sum.
 *
 * <p>Recorded arrays leave the scope they were made in and belong to the recorder until {@link
 * #close()}, so a pass that fails half-way leaks nothing.
 */
public final class TermRecorder implements AutoCloseable {

    private final List<NDArray> owned = new ArrayList<>();
    private final List<NDArray> innerLogDets = new ArrayList<>();
    private final List<NDArray> factoredLogPriors = new ArrayList<>();
    private NDArray dequantizationLogQ;
    private NDArray logitLogDet;
    private NDArray flowLogDet;
    private NDArray latentLogPrior;

    /**
     * Called by {@link FactorOut} once its inner flow has run; factor-outs nest, so the deepest
     * records first.
     */
    void factoredOut(NDArray innerLogDet, NDArray factoredLogPrior) {
        innerLogDets.add(own(innerLogDet.duplicate()));
        factoredLogPriors.add(own(factoredLogPrior));
    }

    /** log q(u|x) of the dequantization noise. */
    public void dequantization(NDArray logQ) {
        dequantizationLogQ = own(logQ.duplicate());
    }

    /** The logit transform's log-determinant. */
    public void logit(NDArray logDet) {
        logitLogDet = own(logDet.duplicate());
    }

    /** The whole flow's log-determinant and the prior's log-density of its whole output. */
    public void latent(NDArray logDet, NDArray logPrior) {
        flowLogDet = own(logDet.duplicate());
        latentLogPrior = own(logPrior.duplicate());
    }

    /**
     * The terms in nats per example, as the bound adds them: {@code dequantization} (−log q),
     * {@code logit}, then per scale k from the finest, {@code level<k>_prior} (the prior's log-
     * density of the latents that leave the flow at that scale) and {@code level<k>_logdet} (the
     * log-determinant of that scale's own steps). They sum to log p(v) − log q(u|x).
     *
     * @throws IllegalStateException when the pass recorded no latent
     */
    public BoundTerms nats() {
        if (latentLogPrior == null || dequantizationLogQ == null || logitLogDet == null) {
            throw new IllegalStateException("the forward pass recorded no terms");
        }
        List<String> names = new ArrayList<>();
        List<double[]> values = new ArrayList<>();
        names.add("dequantization");
        values.add(negate(doubles(dequantizationLogQ)));
        names.add("logit");
        values.add(doubles(logitLogDet));
        int levels = innerLogDets.size() + 1;
        double[] priorLeft = doubles(latentLogPrior);
        double[] logDetOuter = doubles(flowLogDet);
        for (int level = 0; level < levels; level++) {
            // recorded deepest first: level k's factor-out is entry levels - 2 - k
            int entry = levels - 2 - level;
            double[] prior;
            double[] logDetInner;
            if (entry >= 0) {
                prior = doubles(factoredLogPriors.get(entry));
                logDetInner = doubles(innerLogDets.get(entry));
            } else {
                prior = priorLeft.clone();
                logDetInner = new double[prior.length];
            }
            double[] own = new double[prior.length];
            for (int i = 0; i < own.length; i++) {
                own[i] = logDetOuter[i] - logDetInner[i];
                if (entry >= 0) {
                    priorLeft[i] -= prior[i];
                }
            }
            names.add("level" + level + "_prior");
            values.add(prior);
            names.add("level" + level + "_logdet");
            values.add(own);
            logDetOuter = logDetInner;
        }
        return new BoundTerms(names, values.toArray(new double[0][]));
    }

    @Override
    public void close() {
        owned.forEach(NDArray::close);
        owned.clear();
    }

    private NDArray own(NDArray array) {
        NDScope.unregister(array);
        owned.add(array);
        return array;
    }

    private static double[] doubles(NDArray x) {
        return x.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).toDoubleArray();
    }

    private static double[] negate(double[] x) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = -x[i];
        }
        return out;
    }
}
