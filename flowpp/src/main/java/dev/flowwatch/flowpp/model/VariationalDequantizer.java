package dev.flowwatch.flowpp.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.flowwatch.flowpp.flow.ActNorm;
import dev.flowwatch.flowpp.flow.CheckerboardPartition;
import dev.flowwatch.flowpp.flow.Flow;
import dev.flowwatch.flowpp.flow.FlowContext;
import dev.flowwatch.flowpp.flow.FlowResult;
import dev.flowwatch.flowpp.flow.MixtureLogisticCoupling;
import dev.flowwatch.flowpp.flow.SequentialFlow;
import dev.flowwatch.flowpp.flow.SigmoidFlow;
import dev.flowwatch.flowpp.nn.Chunks;
import dev.flowwatch.flowpp.nn.ConvAttentionBlock;
import dev.flowwatch.flowpp.nn.CouplingNetwork;
import dev.flowwatch.flowpp.nn.Module;
import dev.flowwatch.flowpp.nn.Tensors;
import dev.flowwatch.flowpp.nn.WeightNormConv2d;

import java.util.ArrayList;
import java.util.List;

/**
 * Variational dequantization (Flow++ §3.1): u = σ(g(ε; x)) with ε ~ N(0, I) and g a flow of
 * mixture-logistic couplings conditioned on features of x. Then log q(u|x) = log N(ε) − log|det
 * ∂u/∂ε|.
 */
public final class VariationalDequantizer extends Module implements Dequantizer {

    private final WeightNormConv2d featureIn;
    private final List<ConvAttentionBlock> featureBlocks = new ArrayList<>();
    private final SequentialFlow flow;

    public VariationalDequantizer(FlowConfig config) {
        int c = config.channels(), h = config.height(), w = config.width();
        int hidden = config.dequantizerHidden();
        featureIn = child("featureIn", new WeightNormConv2d(c, hidden, 3, 1f));
        for (int i = 0; i < config.dequantizerBlocks(); i++) {
            featureBlocks.add(
                    child(
                            "feature" + i,
                            new ConvAttentionBlock(hidden, 0, 0, h, w, config.dropout())));
        }
        CouplingNetwork.Spec spec =
                new CouplingNetwork.Spec(
                        hidden,
                        config.dequantizerBlocks(),
                        config.components(),
                        0,
                        config.dropout());
        List<Flow> steps = new ArrayList<>();
        for (int i = 0; i < config.dequantizerCouplings(); i++) {
            steps.add(new ActNorm(c));
            steps.add(
                    new MixtureLogisticCoupling(
                            new CheckerboardPartition(i % 2), c, 2 * hidden, h, w, spec));
        }
        steps.add(new SigmoidFlow());
        flow = child("flow", new SequentialFlow(steps));
    }

    /**
     * Image features that condition every coupling of the noise flow; pixels scaled to [−1, 1].
     * Computed on slices of {@code context.chunkSize()} images. Concat-ELU is applied here, once
     * per pass, as every gated convolution of the couplings takes them (GatedConv), instead of in
     * each of those blocks: the same numbers for three operators fewer per block.
     */
    NDArray features(NDArray pixels, FlowContext context) {
        return Chunks.map(
                        List.of(pixels),
                        context.chunkSize(),
                        slice -> {
                            NDArray h =
                                    featureIn.apply(
                                            Tensors.sub(Tensors.div(slice.get(0), 127.5), 1));
                            return List.of(
                                    Tensors.concatElu(
                                            ConvAttentionBlock.applyAll(
                                                    featureBlocks, h, null, context.training())));
                        })
                .get(0);
    }

    /** The noise flow ε → u, to be run with the features of x as conditioning. */
    Flow noiseFlow() {
        return flow;
    }

    @Override
    public NDArray draw(NDManager manager, Shape shape, DataType type) {
        return manager.randomNormal(0f, 1f, shape, type);
    }

    @Override
    public Noise sample(NDArray pixels, NDArray eps, FlowContext context) {
        FlowResult r = flow.forward(eps, context.withConditioning(features(pixels, context)));
        NDArray logQ = Tensors.logStandardNormal(eps).sub(r.logDet());
        return new Noise(r.output(), logQ);
    }
}
