package dev.flowwatch.flowpp.flow;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.Activation;

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
        Terms terms = new Mixture(p).at(partition.active(x));
        NDArray y = terms.logit().mul(p.a().exp()).add(p.b());
        return new FlowResult(
                partition.merge(x, y), partition.sumTransformed(terms.logDerivative(p)));
    }

    private FlowResult inverseWhole(NDArray y, FlowContext context) {
        MixtureParameters p = parameters(y, context);
        NDArray target = partition.active(y).sub(p.b()).mul(p.a().neg().exp());
        Mixture mixture = new Mixture(p);
        NDArray x = solveLogit(target, mixture, context.bisection());
        Terms terms = mixture.at(x);
        return new FlowResult(
                partition.merge(y, x), partition.sumTransformed(terms.logDerivative(p)).neg());
    }

    private MixtureParameters parameters(NDArray input, FlowContext context) {
        return network.apply(
                partition.conditioner(input), context.conditioning(), context.training());
    }

    /**
     * The coupling on slices of {@code context.chunkSize()} examples: the conditioning network's
     * hidden activations, attention maps and the K-component mixture terms are per-example and many
     * times larger than the input, so they are what a large batch must not hold at once.
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
    private static NDArray solveLogit(NDArray target, Mixture mixture, Bisection settings) {
        MixtureParameters p = mixture.parameters();
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
                NDArray below = mixture.at(mid).logit().lt(t);
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

    /**
     * What the mixture's terms at any x share, computed once per coupling rather than at each of
     * the bisection's steps: the log-weights and the components' inverse scales.
     */
    private record Mixture(
            MixtureParameters parameters, NDArray logWeights, NDArray inverseScales) {

        Mixture(MixtureParameters p) {
            this(p, p.logits().logSoftmax(1), p.logScales().neg().exp());
        }

        /**
         * log F and log(1 − F) at x, and what log f needs beyond them, so that the bisection, which
         * needs only the logit, does not pay for the density. With z the standardised distance to
         * each component, log σ(z) = −softplus(−z) and log σ(−z) = −softplus(z): two softplus
         * passes serve all three sums.
         */
        Terms at(NDArray x) {
            NDArray z = x.expandDims(1).sub(parameters.means()).mul(inverseScales);
            NDArray softplusZ = Activation.softPlus(z);
            NDArray logCdfTerms = logWeights.sub(Activation.softPlus(z.neg()));
            return new Terms(
                    logCdfTerms,
                    softplusZ,
                    Tensors.logSumExp(logCdfTerms, 1),
                    Tensors.logSumExp(logWeights.sub(softplusZ), 1));
        }
    }

    /** log F and log(1 − F) of the mixture at x, and the per-component terms of log f. */
    private record Terms(
            NDArray logCdfTerms, NDArray softplusZ, NDArray logCdf, NDArray logSurvival) {

        NDArray logit() {
            return logCdf.sub(logSurvival);
        }

        /** log dy/dx = log f − log F − log(1 − F) + a. */
        NDArray logDerivative(MixtureParameters p) {
            NDArray logPdf = Tensors.logSumExp(logCdfTerms.sub(softplusZ).sub(p.logScales()), 1);
            return logPdf.sub(logCdf).sub(logSurvival).add(p.a());
        }
    }
}
