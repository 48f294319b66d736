package dev.flowwatch.flowpp.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.flowwatch.flowpp.flow.ActNorm;
import dev.flowwatch.flowpp.flow.ChannelPartition;
import dev.flowwatch.flowpp.flow.CheckerboardPartition;
import dev.flowwatch.flowpp.flow.FactorOut;
import dev.flowwatch.flowpp.flow.Flow;
import dev.flowwatch.flowpp.flow.FlowContext;
import dev.flowwatch.flowpp.flow.FlowResult;
import dev.flowwatch.flowpp.flow.Inverted;
import dev.flowwatch.flowpp.flow.InvertibleConv1x1;
import dev.flowwatch.flowpp.flow.LogitTransform;
import dev.flowwatch.flowpp.flow.MixtureLogisticCoupling;
import dev.flowwatch.flowpp.flow.PackedCheckerboardPartition;
import dev.flowwatch.flowpp.flow.Partition;
import dev.flowwatch.flowpp.flow.SequentialFlow;
import dev.flowwatch.flowpp.flow.Squeeze;
import dev.flowwatch.flowpp.nn.CouplingNetwork;
import dev.flowwatch.flowpp.nn.Module;
import dev.flowwatch.flowpp.nn.Scopes;
import dev.flowwatch.flowpp.nn.Tensors;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Flow++ (Ho et al., ICML 2019): a dequantizer, the logit preprocessing, a multi-scale flow of
 * ActNorm / invertible 1×1 conv / mixture-logistic coupling steps, and a standard Gaussian prior.
 *
 * <p>For integer pixels x ∈ {0..255}^D and noise u ~ q(u|x), v = (x + u)/256 ∈ [0, 1)^D and
 *
 * <pre>log P(x) ≥ E_q[log p(v) − log q(u|x)] − D·log 256,</pre>
 *
 * the last term converting a density on [0, 1)^D into probabilities of 256-level bins (Theis et
 * al., 2016). Every bound this class returns is in nats per image and includes it.
 *
 * <p>Callers own memory: run every method inside an {@code NDScope} (or a sub-manager) so that
 * intermediate arrays are released per batch.
 */
public final class FlowPlusPlus extends Module {

    private static final double LOG_256 = Math.log(256);

    private final FlowConfig config;
    private final Dequantizer dequantizer;
    private final LogitTransform logit;
    private final SequentialFlow flow;

    public FlowPlusPlus(FlowConfig config) {
        this.config = config;
        if (config.dequantization() == Dequantization.VARIATIONAL) {
            dequantizer = child("dequantizer", new VariationalDequantizer(config));
        } else {
            dequantizer = new UniformDequantizer();
        }
        logit = new LogitTransform(config.logitAlpha());
        flow = child("flow", level(0, config.channels(), config.height(), config.width()));
    }

    private SequentialFlow level(int index, int c, int h, int w) {
        Level level = config.levels().get(index);
        long seed = config.seed() * 1_000_003L + index * 1000L;
        List<Flow> steps = new ArrayList<>();
        CouplingNetwork.Spec spec =
                new CouplingNetwork.Spec(
                        config.hidden(),
                        config.blocks(),
                        config.components(),
                        level.attentionHeads(),
                        config.dropout());
        for (int i = 0; i < level.checkerboardCouplings(); i++) {
            steps.add(new ActNorm(c));
            steps.add(new InvertibleConv1x1(c, seed + i));
            steps.add(new MixtureLogisticCoupling(checkerboard(i % 2), c, 0, h, w, spec));
        }
        Squeeze squeeze = new Squeeze();
        steps.add(squeeze);
        int c4 = 4 * c;
        for (int i = 0; i < level.channelCouplings(); i++) {
            steps.add(new ActNorm(c4));
            steps.add(new InvertibleConv1x1(c4, seed + 100 + i));
            steps.add(
                    new MixtureLogisticCoupling(
                            new ChannelPartition(i % 2), c4, 0, h / 2, w / 2, spec));
        }
        if (index + 1 < config.levels().size()) {
            steps.add(new FactorOut(level(index + 1, 2 * c, h / 2, w / 2)));
        }
        // back to the input's shape, so that the latent z has the image's shape
        steps.add(new Inverted(squeeze));
        return new SequentialFlow(steps);
    }

    private Partition checkerboard(int parity) {
        return config.checkerboard() == Checkerboard.PACKED
                ? new PackedCheckerboardPartition(parity)
                : new CheckerboardPartition(parity);
    }

    public FlowConfig config() {
        return config;
    }

    /**
     * Allocates every parameter on the manager's device; random values are a function of the
     * config's seed.
     */
    public void initialize(NDManager manager, DataType dataType) {
        Engine.getInstance().setRandomSeed((int) config.seed());
        initialize(
                manager,
                dataType,
                new Shape(1, config.channels(), config.height(), config.width()));
    }

    /**
     * One sample of the evidence lower bound per image, in nats.
     *
     * @param pixels integer pixel values 0..255 as floats, (N, C, H, W)
     */
    public NDArray elbo(NDArray pixels, FlowContext context) {
        return elbo(pixels, drawNoise(pixels), context);
    }

    /**
     * The dequantizer's noise for these pixels, from the engine's generator: the one random draw of
     * an {@link #elbo} (see {@link Dequantizer#draw}).
     */
    public NDArray drawNoise(NDArray pixels) {
        return drawNoise(pixels.getManager(), pixels.getShape(), pixels.getDataType());
    }

    /** {@link #drawNoise(NDArray)} for pixels of this shape and type on {@code manager}. */
    public NDArray drawNoise(NDManager manager, Shape shape, DataType type) {
        return dequantizer.draw(manager, shape, type);
    }

    /**
     * {@link #elbo(NDArray, FlowContext)} with the noise drawn beforehand.
     *
     * @param base what {@link #drawNoise} gave for pixels of this shape
     */
    public NDArray elbo(NDArray pixels, NDArray base, FlowContext context) {
        requireShape(pixels);
        if (!base.getShape().equals(pixels.getShape())) {
            throw new IllegalArgumentException(
                    "noise of shape "
                            + base.getShape()
                            + " for pixels of shape "
                            + pixels.getShape());
        }
        Dequantizer.Noise noise = dequantizer.sample(pixels, base, context);
        if (context.terms() != null) {
            context.terms().dequantization(noise.logQ());
        }
        NDArray v = Tensors.div(pixels.add(noise.u()), 256);
        return Tensors.sub(logDensity(v, context).sub(noise.logQ()), config.dimensions() * LOG_256);
    }

    /**
     * The importance-weighted bound log (1/K) Σ_k p(x + u_k)/q(u_k|x) (Burda et al., 2016) with K
     * dequantization samples: tighter than the ELBO for K &gt; 1 and equal to it in expectation for
     * K = 1.
     */
    public NDArray importanceWeightedBound(NDArray pixels, int samples, FlowContext context) {
        return importanceWeightedBound(pixels, samples, k -> elbo(pixels, context));
    }

    /**
     * {@link #importanceWeightedBound(NDArray, int, FlowContext)} with the K samples' noise drawn
     * beforehand ({@link #drawNoise}, one array per sample).
     */
    public NDArray importanceWeightedBound(
            NDArray pixels, List<NDArray> noise, FlowContext context) {
        return importanceWeightedBound(
                pixels, noise.size(), k -> elbo(pixels, noise.get(k), context));
    }

    private NDArray importanceWeightedBound(
            NDArray pixels, int samples, IntFunction<NDArray> sampleBound) {
        if (samples < 1) {
            throw new IllegalArgumentException("importance samples must be >= 1, got " + samples);
        }
        // one sample at a time, keeping only its per-image bound: memory does not grow with K
        NDList bounds = new NDList(samples);
        for (int k = 0; k < samples; k++) {
            int sample = k;
            bounds.add(Scopes.retain(() -> sampleBound.apply(sample), pixels));
        }
        NDArray bound =
                Tensors.sub(Tensors.logSumExp(NDArrays.stack(bounds), 0), Math.log(samples));
        bounds.close();
        return bound;
    }

    /** log p(v) of dequantized data v ∈ [0, 1)^D under logit, flow and prior. */
    NDArray logDensity(NDArray v, FlowContext context) {
        FlowResult logits = logit.forward(v, context);
        FlowResult latent = flow.forward(logits.output(), context);
        NDArray logPrior = Tensors.logStandardNormal(latent.output());
        if (context.terms() != null) {
            context.terms().logit(logits.logDet());
            context.terms().latent(latent.logDet(), logPrior);
        }
        return logPrior.add(logits.logDet()).add(latent.logDet());
    }

    /** The flow from logit space to the latent, for tests and analysis. */
    Flow flow() {
        return flow;
    }

    Dequantizer dequantizer() {
        return dequantizer;
    }

    /**
     * Sets data-dependent initial values (ActNorm) from one batch: every layer's output then has
     * zero mean and unit variance per channel on this batch. Call once, before training.
     *
     * @param chunkSize the most images a conditioning network sees at once ({@link
     *     FlowContext#chunkSize()}); the statistics are still those of the whole batch
     */
    public void initializeFromData(NDArray pixels, int chunkSize) {
        elbo(pixels, FlowContext.inference().withDataInit().withChunkSize(chunkSize));
    }

    /**
     * Draws images: z ~ N(0, T²I), inverted through flow and logit, quantised to 0..255.
     *
     * @param temperature standard deviation of the prior samples; below 1 trades diversity for
     *     quality
     */
    public NDArray sample(NDManager manager, int count, double temperature, FlowContext context) {
        NDArray z =
                manager.randomNormal(
                        0f,
                        (float) temperature,
                        new Shape(count, config.channels(), config.height(), config.width()),
                        dataType());
        NDArray y = flow.inverse(z, context).output();
        NDArray v = logit.inverse(y, context).output();
        return Tensors.clip(Tensors.mul(v, 256).floor(), 0, 255);
    }

    /** The floating-point type of the parameters (float32 normally, float64 in tests). */
    public DataType dataType() {
        return getParameters().get(0).getValue().getArray().getDataType();
    }

    private void requireShape(NDArray pixels) {
        Shape s = pixels.getShape();
        if (s.dimension() != 4
                || s.get(1) != config.channels()
                || s.get(2) != config.height()
                || s.get(3) != config.width()) {
            throw new IllegalArgumentException(
                    String.format(
                            "model expects images of shape (N, %d, %d, %d), got %s",
                            config.channels(), config.height(), config.width(), s));
        }
    }
}
