package dev.flowwatch.flowpp.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;

import dev.flowwatch.flowpp.flow.Bisection;
import dev.flowwatch.flowpp.flow.BoundTerms;
import dev.flowwatch.flowpp.flow.FlowChecks;
import dev.flowwatch.flowpp.flow.FlowContext;
import dev.flowwatch.flowpp.flow.FlowResult;
import dev.flowwatch.flowpp.flow.LogitTransform;
import dev.flowwatch.flowpp.flow.Squeeze;
import dev.flowwatch.flowpp.flow.TermRecorder;
import dev.flowwatch.flowpp.nn.GarbageCollections;
import dev.flowwatch.flowpp.nn.Tensors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.DoubleStream;

class FlowPlusPlusTest {

    private static final FlowContext EXACT =
            FlowContext.inference().withBisection(new Bisection(1e-12, 200));

    /** Engine seed of the dequantization noise where two computations must draw the same ε. */
    private static final int NOISE_SEED = 17;

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
        Engine.getInstance().setRandomSeed(5);
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private FlowPlusPlus randomTinyModel(int channels, int size, Dequantization dequantization) {
        FlowPlusPlus model =
                new FlowPlusPlus(
                        FlowConfig.presetBuilder("tiny", channels, size, size)
                                .optDequantization(dequantization)
                                .build());
        FlowChecks.initializeRandomly(model, manager, new Shape(1, channels, size, size), 3);
        return model;
    }

    private NDArray randomPixels(int n, int channels, int size, DataType type) {
        return manager.randomInteger(0, 256, new Shape(n, channels, size, size), DataType.INT32)
                .toType(type, false);
    }

    @Test
    void wholeFlowInverseUndoesForward() {
        FlowPlusPlus model = randomTinyModel(1, 4, Dequantization.VARIATIONAL);
        NDArray x = manager.randomNormal(0f, 1f, new Shape(3, 1, 4, 4), DataType.FLOAT64);
        FlowChecks.assertInvertible(model.flow(), x, EXACT, 1e-7);
    }

    @Test
    void wholeFlowLogDetMatchesNumericalJacobian() {
        FlowPlusPlus model = randomTinyModel(1, 4, Dequantization.VARIATIONAL);
        NDArray x = manager.randomNormal(0f, 1f, new Shape(1, 1, 4, 4), DataType.FLOAT64);
        FlowChecks.assertLogDetMatchesNumericalJacobian(model.flow(), x, EXACT, 1e-5);
    }

    @Test
    void rgbFlowLogDetMatchesNumericalJacobian() {
        FlowPlusPlus model = randomTinyModel(3, 4, Dequantization.UNIFORM);
        NDArray x = manager.randomNormal(0f, 1f, new Shape(1, 3, 4, 4), DataType.FLOAT64);
        FlowChecks.assertLogDetMatchesNumericalJacobian(model.flow(), x, EXACT, 1e-5);
    }

    @Test
    void dequantizerNoiseFlowIsInvertibleWithExactLogDet() {
        FlowPlusPlus model = randomTinyModel(1, 4, Dequantization.VARIATIONAL);
        VariationalDequantizer dequantizer = (VariationalDequantizer) model.dequantizer();
        NDArray pixels = randomPixels(1, 1, 4, DataType.FLOAT64);
        FlowContext conditioned = EXACT.withConditioning(dequantizer.features(pixels, EXACT));
        NDArray eps = manager.randomNormal(0f, 1f, new Shape(1, 1, 4, 4), DataType.FLOAT64);
        FlowChecks.assertInvertible(dequantizer.noiseFlow(), eps, conditioned, 1e-7);
        FlowChecks.assertLogDetMatchesNumericalJacobian(
                dequantizer.noiseFlow(), eps, conditioned, 1e-5);
    }

    @Test
    void dequantizationNoiseStaysInsideTheUnitInterval() {
        FlowPlusPlus model = randomTinyModel(1, 4, Dequantization.VARIATIONAL);
        NDArray u = model.dequantizer().sample(randomPixels(64, 1, 4, DataType.FLOAT64), EXACT).u();
        assertTrue(u.min().getDouble() > 0 && u.max().getDouble() < 1, "u must lie in (0, 1)");
    }

    @Test
    void samplingInvertsToPixelsOfTheInputShape() {
        FlowPlusPlus model = randomTinyModel(1, 4, Dequantization.VARIATIONAL);
        NDArray images = model.sample(manager, 5, 1.0, FlowContext.inference());
        assertEquals(new Shape(5, 1, 4, 4), images.getShape());
        assertTrue(images.min().getDouble() >= 0 && images.max().getDouble() <= 255);
        assertEquals(0, images.sub(images.floor()).abs().max().getDouble(), "pixels are integers");
    }

    @Test
    void importanceWeightedBoundIsAboveElboAndGrowsWithSamples() {
        FlowPlusPlus model = randomTinyModel(1, 4, Dequantization.VARIATIONAL);
        NDArray pixels = randomPixels(64, 1, 4, DataType.FLOAT64);
        double elbo = model.elbo(pixels, EXACT).mean().getDouble();
        double iw4 = model.importanceWeightedBound(pixels, 4, EXACT).mean().getDouble();
        double iw16 = model.importanceWeightedBound(pixels, 16, EXACT).mean().getDouble();
        assertTrue(iw4 > elbo, "IW(4) " + iw4 + " must exceed the ELBO " + elbo);
        assertTrue(iw16 > iw4, "IW(16) " + iw16 + " must exceed IW(4) " + iw4);
    }

    @Test
    void importanceWeightedBoundOfOneSampleIsTheElboOfTheSameNoise() {
        FlowPlusPlus model = randomTinyModel(1, 4, Dequantization.VARIATIONAL);
        NDArray pixels = randomPixels(8, 1, 4, DataType.FLOAT64);
        Engine.getInstance().setRandomSeed(NOISE_SEED);
        double[] elbo = model.elbo(pixels, EXACT).toDoubleArray();
        Engine.getInstance().setRandomSeed(NOISE_SEED);
        double[] iw1 = model.importanceWeightedBound(pixels, 1, EXACT).toDoubleArray();
        assertArrayEquals(elbo, iw1, 1e-9);
    }

    /** log (1/K) Σ_k exp(ELBO_k), computed here in Java from K ELBOs drawn one after another. */
    @Test
    void importanceWeightedBoundIsTheLogMeanExpOfElbosDrawnInSequence() {
        FlowPlusPlus model = randomTinyModel(1, 4, Dequantization.VARIATIONAL);
        NDArray pixels = randomPixels(8, 1, 4, DataType.FLOAT64);
        int samples = 5;
        Engine.getInstance().setRandomSeed(NOISE_SEED);
        double[][] elbos = new double[samples][];
        for (int k = 0; k < samples; k++) {
            elbos[k] = model.elbo(pixels, EXACT).toDoubleArray();
        }
        Engine.getInstance().setRandomSeed(NOISE_SEED);
        double[] iw = model.importanceWeightedBound(pixels, samples, EXACT).toDoubleArray();
        for (int n = 0; n < iw.length; n++) {
            double max = Double.NEGATIVE_INFINITY;
            for (double[] e : elbos) {
                max = Math.max(max, e[n]);
            }
            double sum = 0;
            for (double[] e : elbos) {
                sum += Math.exp(e[n] - max);
            }
            double expected = max + Math.log(sum / samples);
            assertEquals(expected, iw[n], 1e-9 * Math.abs(expected), "image " + n);
        }
    }

    /**
     * log q(u|x) = log N(ε) − log|det ∂u/∂ε| with the Jacobian of the noise flow taken by finite
     * differences at the same ε and image features: checks how the dequantizer assembles its
     * density (signs, the Gaussian constant), not only the flow's own log-det.
     */
    @Test
    void dequantizerDensityMatchesItsNumericalJacobian() {
        FlowPlusPlus model = randomTinyModel(1, 4, Dequantization.VARIATIONAL);
        VariationalDequantizer dequantizer = (VariationalDequantizer) model.dequantizer();
        NDArray pixels = randomPixels(1, 1, 4, DataType.FLOAT64);
        Engine.getInstance().setRandomSeed(NOISE_SEED);
        Dequantizer.Noise noise = dequantizer.sample(pixels, EXACT);
        Engine.getInstance().setRandomSeed(NOISE_SEED);
        NDArray eps = manager.randomNormal(0f, 1f, pixels.getShape(), DataType.FLOAT64);

        NDArray features = dequantizer.features(pixels, EXACT);
        NDArray u = noiseFlow(dequantizer, features, eps);
        assertEquals(0, u.sub(noise.u()).abs().max().getDouble(), 1e-12, "the same ε was drawn");
        double logQ =
                logStandardNormal(eps)
                        - FlowChecks.numericalLogAbsDet(
                                batch -> noiseFlow(dequantizer, features, batch), eps);
        assertEquals(logQ, noise.logQ().getDouble(0), 1e-6 * Math.abs(logQ));
    }

    /**
     * The whole bound by the change of variables, independently of every log-det the model reports:
     * u = g(ε; x), v = (x + u)/256, y = logit(α/2 + (1 − α)v), z = flow(y), and
     *
     * <pre>ELBO = log N(z) + log|det ∂z/∂v| − (log N(ε) − log|det ∂u/∂ε|) − D·log 256</pre>
     *
     * <p>with both Jacobians by finite differences in float64.
     */
    @Test
    void elboMatchesADirectChangeOfVariables() {
        FlowPlusPlus model = randomTinyModel(1, 4, Dequantization.VARIATIONAL);
        VariationalDequantizer dequantizer = (VariationalDequantizer) model.dequantizer();
        double alpha = model.config().logitAlpha();
        NDArray pixels = randomPixels(1, 1, 4, DataType.FLOAT64);
        Engine.getInstance().setRandomSeed(NOISE_SEED);
        double elbo = model.elbo(pixels, EXACT).getDouble(0);
        Engine.getInstance().setRandomSeed(NOISE_SEED);
        NDArray eps = manager.randomNormal(0f, 1f, pixels.getShape(), DataType.FLOAT64);

        NDArray features = dequantizer.features(pixels, EXACT);
        NDArray u = noiseFlow(dequantizer, features, eps);
        double logQ =
                logStandardNormal(eps)
                        - FlowChecks.numericalLogAbsDet(
                                batch -> noiseFlow(dequantizer, features, batch), eps);
        NDArray v = pixels.add(u).div(256);
        UnaryOperator<NDArray> toLatent =
                batch -> {
                    NDArray p = batch.mul(1 - alpha).add(alpha / 2);
                    NDArray y = p.log().sub(p.neg().add(1).log());
                    return model.flow().forward(y, EXACT).output();
                };
        double logP =
                logStandardNormal(toLatent.apply(v)) + FlowChecks.numericalLogAbsDet(toLatent, v);
        double expected = logP - logQ - 16 * Math.log(256);
        assertEquals(expected, elbo, 1e-6 * Math.abs(expected));
    }

    /**
     * The terms the scorer reports per scale are the bound taken apart: with two scales they sum to
     * the ELBO, their priors to log N(z) of the whole latent, and their log-determinants to the
     * flow's, each computed here without the recorder.
     */
    @Test
    void boundTermsOfEveryScaleSumToTheElbo() {
        FlowPlusPlus model =
                new FlowPlusPlus(
                        FlowConfig.presetBuilder("tiny", 1, 8, 8)
                                .setLevels(List.of(new Level(1, 1, 0), new Level(1, 1, 0)))
                                .build());
        FlowChecks.initializeRandomly(model, manager, new Shape(1, 1, 8, 8), 3);
        NDArray pixels =
                manager.randomInteger(0, 256, new Shape(3, 1, 8, 8), DataType.INT32)
                        .toType(DataType.FLOAT64, false);
        BoundTerms terms;
        double[] elbo;
        try (TermRecorder recorder = new TermRecorder()) {
            Engine.getInstance().setRandomSeed(NOISE_SEED);
            elbo = model.elbo(pixels, EXACT.withTerms(recorder)).toDoubleArray();
            terms = recorder.nats();
        }
        assertEquals(
                List.of(
                        "dequantization",
                        "logit",
                        "level0_prior",
                        "level0_logdet",
                        "level1_prior",
                        "level1_logdet"),
                terms.names());
        Engine.getInstance().setRandomSeed(NOISE_SEED);
        Dequantizer.Noise noise = model.dequantizer().sample(pixels, EXACT);
        FlowResult logits =
                new LogitTransform(model.config().logitAlpha())
                        .forward(pixels.add(noise.u()).div(256), EXACT);
        FlowResult latent = model.flow().forward(logits.output(), EXACT);
        double[] logQ = noise.logQ().toDoubleArray();
        double[] flowLogDet = latent.logDet().toDoubleArray();
        double[] logitLogDet = logits.logDet().toDoubleArray();
        for (int i = 0; i < 3; i++) {
            double sum = 0;
            for (double[] term : terms.values()) {
                sum += term[i];
            }
            double tolerance = 1e-9 * Math.abs(elbo[i]);
            assertEquals(elbo[i] + 64 * Math.log(256), sum, tolerance);
            assertEquals(-logQ[i], terms.column("dequantization")[i], tolerance);
            assertEquals(logitLogDet[i], terms.column("logit")[i], tolerance);
            assertEquals(
                    flowLogDet[i],
                    terms.column("level0_logdet")[i] + terms.column("level1_logdet")[i],
                    tolerance);
            // level 0 squeezes to 4 channels and factors out the last 2; the first 2 went on
            NDArray squeezed =
                    new Squeeze().forward(latent.output().get(i).expandDims(0), EXACT).output();
            assertEquals(
                    logStandardNormal(squeezed.get(":, 2:")),
                    terms.column("level0_prior")[i],
                    tolerance);
            assertEquals(
                    logStandardNormal(squeezed.get(":, :2")),
                    terms.column("level1_prior")[i],
                    tolerance);
        }
    }

    private static NDArray noiseFlow(
            VariationalDequantizer dequantizer, NDArray features, NDArray eps) {
        NDArray repeated = features.repeat(0, eps.getShape().get(0));
        return dequantizer.noiseFlow().forward(eps, EXACT.withConditioning(repeated)).output();
    }

    /** Σ log N(x_i; 0, 1) over all elements of a single example, in Java doubles. */
    private static double logStandardNormal(NDArray x) {
        double sum = 0;
        for (double value : x.toDoubleArray()) {
            sum += -0.5 * (value * value + Math.log(2 * Math.PI));
        }
        return sum;
    }

    /**
     * Autograd must not depend on when the JVM collects garbage (see {@link Tensors}): the ELBO's
     * gradient with a collection between forward and backward is the gradient without one.
     */
    @Test
    void elboGradientDoesNotDependOnGarbageCollectionBetweenForwardAndBackward() {
        double[] undisturbed = elboGradient(() -> {});
        double[] collected = elboGradient(GarbageCollections::collectAndReuseFreedMemory);
        assertArrayEquals(undisturbed, collected, 0.0);
    }

    /** Every parameter's gradient of the mean ELBO of a fresh model, concatenated. */
    private double[] elboGradient(Runnable betweenForwardAndBackward) {
        Engine.getInstance().setRandomSeed(5);
        FlowPlusPlus model = randomTinyModel(1, 4, Dequantization.VARIATIONAL);
        NDArray pixels = randomPixels(8, 1, 4, DataType.FLOAT64);
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray elbo = model.elbo(pixels, FlowContext.fitting()).mean();
            betweenForwardAndBackward.run();
            collector.backward(elbo);
        }
        DoubleStream.Builder gradient = DoubleStream.builder();
        for (Pair<String, Parameter> p : model.getParameters()) {
            if (p.getValue().requiresGradient()) {
                NDArray g = p.getValue().getArray().getGradient();
                for (double value : g.toType(DataType.FLOAT64, false).toDoubleArray()) {
                    gradient.add(value);
                }
            }
        }
        return gradient.build().toArray();
    }

    /**
     * No normalised model can code uniformly random bytes in fewer than 8 bits each, and the ELBO
     * is a lower bound: a smaller figure means a wrong log-det, density or discretisation term.
     */
    @Test
    void uniformNoiseCostsAtLeastEightBitsPerDimension() {
        for (Dequantization kind : Dequantization.values()) {
            FlowPlusPlus model = randomTinyModel(1, 4, kind);
            NDArray pixels = randomPixels(512, 1, 4, DataType.FLOAT64);
            double nats = model.elbo(pixels, EXACT).mean().getDouble();
            double bpd = Likelihoods.bitsPerDim(nats, 16);
            assertTrue(bpd >= 8.0, kind + " dequantization: " + bpd + " bits/dim on uniform noise");
        }
    }

    @Test
    void modelRejectsImagesOfAnotherShape() {
        FlowPlusPlus model = randomTinyModel(1, 4, Dequantization.UNIFORM);
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> model.elbo(randomPixels(2, 3, 4, DataType.FLOAT64), EXACT));
        assertTrue(e.getMessage().contains("(N, 1, 4, 4)"), e.getMessage());
    }

    /**
     * A pass draws nothing but the dequantizer's noise, so noise drawn beforehand in the same order
     * gives the very bounds that a pass drawing as it goes gives: what lets a scorer draw under a
     * lock and run its passes outside it.
     */
    @ParameterizedTest
    @EnumSource(Dequantization.class)
    void noiseDrawnBeforehandGivesTheBoundsOfAPassDrawingAsItGoes(Dequantization dequantization) {
        FlowPlusPlus model = randomTinyModel(1, 4, dequantization);
        NDArray x = randomPixels(3, 1, 4, DataType.FLOAT64);
        Engine.getInstance().setRandomSeed(NOISE_SEED);
        double[] elbo = model.elbo(x, EXACT).toDoubleArray();
        double[] iw = model.importanceWeightedBound(x, 3, EXACT).toDoubleArray();

        Engine.getInstance().setRandomSeed(NOISE_SEED);
        NDArray first = model.drawNoise(x);
        List<NDArray> samples = List.of(model.drawNoise(x), model.drawNoise(x), model.drawNoise(x));

        assertArrayEquals(elbo, model.elbo(x, first, EXACT).toDoubleArray());
        assertArrayEquals(iw, model.importanceWeightedBound(x, samples, EXACT).toDoubleArray());
    }

    @Test
    void anElboRefusesNoiseShapedUnlikeItsPixels() {
        FlowPlusPlus model = randomTinyModel(1, 4, Dequantization.UNIFORM);
        NDArray x = randomPixels(3, 1, 4, DataType.FLOAT64);

        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> model.elbo(x, model.drawNoise(x.get("0:2")), EXACT));
        assertTrue(e.getMessage().contains("(2, 1, 4, 4)"), e.getMessage());
    }
}
