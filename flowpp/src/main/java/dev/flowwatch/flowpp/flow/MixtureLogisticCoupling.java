package dev.flowwatch.flowpp.flow;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDScope;

import dev.flowwatch.flowpp.nn.Chunks;
import dev.flowwatch.flowpp.nn.CouplingNetwork;
import dev.flowwatch.flowpp.nn.MixtureParameters;
import dev.flowwatch.flowpp.nn.Module;
import dev.flowwatch.flowpp.nn.Tensors;

import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;

/**
 * The Flow++ coupling (Ho et al., 2019, eq. 8): each transformed element becomes y =
 * σ⁻¹(MixLogCDF(x; π, μ, s))·exp(a) + b, with K logistic components and (π, μ, s, a, b) predicted
 * from the conditioning half by a {@link CouplingNetwork}.
 *
 * <p>Everything is computed in log space: logit(F) = log F − log(1 − F) and log dy/dx = log f − log
 * F − log(1 − F) + a, with F, 1 − F and the density f as log-sum-exps of log-sigmoids, so that
 * neither saturated CDFs nor tiny densities lose precision. The inverse has no closed form and is
 * found by bisection, which is exact up to the configured tolerance because logit(F) is strictly
 * increasing.
 */
public final class MixtureLogisticCoupling extends Module implements Flow {

    private final Partition partition;
    private final CouplingNetwork network;

    public MixtureLogisticCoupling(
            Partition partition,
            int channels,
            int conditioningChannels,
            int height,
            int width,
            CouplingNetwork.Spec spec) {
        if (partition.networkWidth(width) != width && conditioningChannels > 0) {
            throw new IllegalArgumentException(
                    "a conditional coupling needs a partition that keeps the width of its"
                            + " conditioning features");
        }
        this.partition = partition;
        this.network =
                child(
                        "network",
                        new CouplingNetwork(
                                partition.conditionerChannels(channels),
                                partition.activeChannels(channels),
                                conditioningChannels,
                                height,
                                partition.networkWidth(width),
                                spec));
    }

    @Override
    public FlowResult forward(NDArray x, FlowContext context) {
        return chunked(x, context, this::forwardWhole);
    }

    @Override
    public FlowResult inverse(NDArray y, FlowContext context) {
        return chunked(y, context, this::inverseWhole);
    }

    private FlowResult forwardWhole(NDArray x, FlowContext context) {
        MixtureParameters p = parameters(x, context);
        Terms terms = Terms.of(partition.active(x), p);
        NDArray y = terms.logit().mul(p.a().exp()).add(p.b());
        return new FlowResult(
                partition.merge(x, y), partition.sumTransformed(terms.logDerivative(p)));
    }

    private FlowResult inverseWhole(NDArray y, FlowContext context) {
        MixtureParameters p = parameters(y, context);
        NDArray target = partition.active(y).sub(p.b()).mul(p.a().neg().exp());
        NDArray x = solveLogit(target, p, context.bisection());
        Terms terms = Terms.of(x, p);
        return new FlowResult(
                partition.merge(y, x), partition.sumTransformed(terms.logDerivative(p)).neg());
    }

    private MixtureParameters parameters(NDArray input, FlowContext context) {
        return network.apply(
                partition.conditioner(input), context.conditioning(), context.training());
    }

    /**
     * The coupling on slices of {@code context.chunkSize()} examples: the conditioning network's
     * hidden activations, attention maps and the K-component mixture terms are per-example and
     * many times larger than the input, so they are what a large batch must not hold at once.
     */
    private static FlowResult chunked(
            NDArray input,
            FlowContext context,
            BiFunction<NDArray, FlowContext, FlowResult> whole) {
        List<NDArray> out =
                Chunks.map(
                        Arrays.asList(input, context.conditioning()),
                        context.chunkSize(),
                        slice -> {
                            FlowResult r =
                                    whole.apply(
                                            slice.get(0), context.withConditioning(slice.get(1)));
                            return List.of(r.output(), r.logDet());
                        });
        return new FlowResult(out.get(0), out.get(1));
    }

    /**
     * Finds x with logit(F(x)) = target elementwise; F is strictly increasing, so bisection
     * converges.
     */
    private static NDArray solveLogit(NDArray target, MixtureParameters p, Bisection settings) {
        NDArray t = target.stopGradient();
        NDArray maxScale = p.logScales().exp().max(new int[] {1});
        // for x ≥ max μ + r·max s every component CDF is ≥ σ(r), so logit(F(x)) ≥ r: a valid
        // bracket
        NDArray reach = Tensors.add(t.abs(), 1).mul(maxScale);
        NDArray lo = p.means().min(new int[] {1}).sub(reach);
        NDArray hi = p.means().max(new int[] {1}).add(reach);
        for (int i = 0; i < settings.maxIterations(); i++) {
            NDArray nextLo;
            NDArray nextHi;
            boolean converged;
            try (NDScope iteration = new NDScope()) {
                iteration.suppressNotUsedWarning();
                NDArray mid = Tensors.div(lo.add(hi), 2);
                NDArray below = Terms.of(mid, p).logit().lt(t);
                nextLo = NDArrays.where(below, mid, lo);
                nextHi = NDArrays.where(below, hi, mid);
                converged = Tensors.scalar(nextHi.sub(nextLo).max()) < settings.tolerance();
                NDScope.unregister(nextLo, nextHi);
            }
            lo.close();
            hi.close();
            lo = nextLo;
            hi = nextHi;
            if (converged) {
                break;
            }
        }
        return Tensors.div(lo.add(hi), 2);
    }

    /** log F, log(1 − F) and log f of the logistic mixture at x. */
    private record Terms(NDArray logCdf, NDArray logSurvival, NDArray logPdf) {

        static Terms of(NDArray x, MixtureParameters p) {
            NDArray logWeights = p.logits().logSoftmax(1);
            NDArray z = x.expandDims(1).sub(p.means()).mul(p.logScales().neg().exp());
            NDArray logSigmoidZ = Tensors.logSigmoid(z);
            NDArray logSigmoidNegZ = Tensors.logSigmoid(z.neg());
            return new Terms(
                    Tensors.logSumExp(logWeights.add(logSigmoidZ), 1),
                    Tensors.logSumExp(logWeights.add(logSigmoidNegZ), 1),
                    Tensors.logSumExp(
                            logWeights.add(logSigmoidZ).add(logSigmoidNegZ).sub(p.logScales()), 1));
        }

        NDArray logit() {
            return logCdf.sub(logSurvival);
        }

        NDArray logDerivative(MixtureParameters p) {
            return logPdf.sub(logCdf).sub(logSurvival).add(p.a());
        }
    }
}
