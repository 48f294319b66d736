package dev.flowwatch.flowpp.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.flowwatch.flowpp.flow.Bisection;
import dev.flowwatch.flowpp.flow.FlowChecks;
import dev.flowwatch.flowpp.flow.FlowContext;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FlowPlusPlusTest {

    private static final FlowContext EXACT =
            FlowContext.inference().withBisection(new Bisection(1e-12, 200));

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
                        FlowConfig.preset("tiny", channels, size, size)
                                .withDequantization(dequantization));
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
        NDArray elbos = model.elbo(pixels, EXACT);
        double elbo = elbos.mean().getDouble();
        double iw1 = model.importanceWeightedBound(pixels, 1, EXACT).mean().getDouble();
        double iw4 = model.importanceWeightedBound(pixels, 4, EXACT).mean().getDouble();
        double iw16 = model.importanceWeightedBound(pixels, 16, EXACT).mean().getDouble();
        // two independent means of the same estimator differ by sqrt(2)·SE; allow four of those
        double standardError = elbos.sub(elbo).square().mean().sqrt().getDouble() / Math.sqrt(64);
        assertEquals(
                elbo, iw1, 4 * Math.sqrt(2) * standardError, "K = 1 is the ELBO in expectation");
        assertTrue(iw4 > elbo, "IW(4) " + iw4 + " must exceed the ELBO " + elbo);
        assertTrue(iw16 > iw4, "IW(16) " + iw16 + " must exceed IW(4) " + iw4);
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
                org.junit.jupiter.api.Assertions.assertThrows(
                        IllegalArgumentException.class,
                        () -> model.elbo(randomPixels(2, 3, 4, DataType.FLOAT64), EXACT));
        assertTrue(e.getMessage().contains("(N, 1, 4, 4)"), e.getMessage());
    }
}
