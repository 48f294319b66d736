package dev.flowwatch.flowpp.flow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;

import dev.flowwatch.flowpp.nn.CouplingNetwork;
import dev.flowwatch.flowpp.train.Weights;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

/** Every flow layer, alone and composed: invertible, with a log-det equal to the numerical one. */
class FlowLayersTest {

    private static final Shape SHAPE = new Shape(3, 2, 4, 4);
    private static final CouplingNetwork.Spec SPEC = new CouplingNetwork.Spec(8, 1, 3, 2, 0f);
    private static final int CONDITIONING_CHANNELS = 3;

    /**
     * Engine seed of each case's initial weights, input and conditioning, so that a failing case
     * fails again on a rerun, alone or in the suite.
     */
    private static final int SEED = 23;

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
        Engine.getInstance().setRandomSeed(SEED);
    }

    @AfterEach
    void close() {
        manager.close();
    }

    /** A layer under test and how to draw a valid input for it. */
    record Case(String name, Flow flow, Function<NDManager, NDArray> input, boolean conditioned) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> layers() {
        Function<NDManager, NDArray> real = m -> m.randomNormal(0f, 1f, SHAPE, DataType.FLOAT64);
        Function<NDManager, NDArray> unit =
                m -> m.randomUniform(0.02f, 0.98f, SHAPE, DataType.FLOAT64);
        return Stream.of(
                        new Case("ActNorm", new ActNorm(2), real, false),
                        new Case("InvertibleConv1x1", new InvertibleConv1x1(2, 7), real, false),
                        new Case("Squeeze", new Squeeze(), real, false),
                        new Case(
                                "Unsqueeze",
                                new Inverted(new Squeeze()),
                                m -> real.apply(m).reshape(3, 8, 2, 2),
                                false),
                        new Case("LogitTransform", new LogitTransform(0.05), unit, false),
                        new Case("SigmoidFlow", new SigmoidFlow(), real, false),
                        new Case(
                                "CheckerboardCoupling even",
                                new MixtureLogisticCoupling(
                                        new CheckerboardPartition(0), 2, 0, 4, 4, SPEC),
                                real,
                                false),
                        new Case(
                                "CheckerboardCoupling odd",
                                new MixtureLogisticCoupling(
                                        new CheckerboardPartition(1), 2, 0, 4, 4, SPEC),
                                real,
                                false),
                        new Case(
                                "ChannelCoupling",
                                new MixtureLogisticCoupling(
                                        new ChannelPartition(0), 2, 0, 4, 4, SPEC),
                                real,
                                false),
                        new Case(
                                "ChannelCoupling reversed",
                                new MixtureLogisticCoupling(
                                        new ChannelPartition(1), 2, 0, 4, 4, SPEC),
                                real,
                                false),
                        new Case(
                                "ConditionalCoupling",
                                new MixtureLogisticCoupling(
                                        new CheckerboardPartition(0),
                                        2,
                                        CONDITIONING_CHANNELS,
                                        4,
                                        4,
                                        SPEC),
                                real,
                                true),
                        new Case("FactorOut", new FactorOut(new ActNorm(1)), real, false),
                        new Case(
                                "SequentialFlow",
                                new SequentialFlow(
                                        List.of(
                                                new ActNorm(2),
                                                new InvertibleConv1x1(2, 3),
                                                new MixtureLogisticCoupling(
                                                        new CheckerboardPartition(0),
                                                        2,
                                                        0,
                                                        4,
                                                        4,
                                                        SPEC),
                                                new Squeeze(),
                                                new MixtureLogisticCoupling(
                                                        new ChannelPartition(1), 8, 0, 2, 2, SPEC),
                                                new Inverted(new Squeeze()))),
                                real,
                                false))
                .map(Arguments::of);
    }

    private FlowContext contextFor(Case c) {
        FlowContext context = FlowContext.inference().withBisection(new Bisection(1e-12, 200));
        if (c.conditioned()) {
            context =
                    context.withConditioning(
                            manager.randomNormal(
                                    0f,
                                    1f,
                                    new Shape(3, CONDITIONING_CHANNELS, 4, 4),
                                    DataType.FLOAT64));
        }
        return context;
    }

    private NDArray prepare(Case c) {
        if (c.flow() instanceof Block block) {
            FlowChecks.initializeRandomly(block, manager, SHAPE, 11);
        }
        return c.input().apply(manager);
    }

    /** As the shipped models run: float32 weights and data, the default bisection. */
    @Test
    void aCouplingInFloat32InvertsAtTheDefaultBisection() {
        MixtureLogisticCoupling coupling =
                new MixtureLogisticCoupling(new CheckerboardPartition(0), 2, 0, 4, 4, SPEC);
        coupling.initialize(manager, DataType.FLOAT32, SHAPE);
        FlowChecks.perturb(coupling, manager, 11);
        NDArray x = manager.randomNormal(0f, 1f, SHAPE, DataType.FLOAT32);
        FlowChecks.assertInvertible(coupling, x, FlowContext.inference(), 1e-4);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layers")
    void inverseUndoesForward(Case c) {
        NDArray x = prepare(c);
        FlowChecks.assertInvertible(c.flow(), x, contextFor(c), 1e-8);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layers")
    void logDetMatchesNumericalJacobian(Case c) {
        NDArray x = prepare(c);
        FlowChecks.assertLogDetMatchesNumericalJacobian(c.flow(), x, contextFor(c), 1e-5);
    }

    /**
     * Frozen, as a loaded bundle is, a layer keeps what it derives from its weights between passes
     * (Derived): the same outputs and log-determinants, to the last bit, as while it trains.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("layers")
    void aFrozenLayerComputesExactlyWhatItComputesWhileTraining(Case c) {
        NDArray x = prepare(c);
        FlowContext context = contextFor(c);
        FlowResult trainingForward = c.flow().forward(x, context);
        FlowResult trainingInverse = c.flow().inverse(trainingForward.output(), context);
        if (c.flow() instanceof Block block) {
            Weights.freeze(block);
        }
        for (int pass = 0; pass < 2; pass++) {
            FlowResult forward = c.flow().forward(x, context);
            FlowResult inverse = c.flow().inverse(trainingForward.output(), context);
            assertArrayEquals(
                    trainingForward.output().toDoubleArray(), forward.output().toDoubleArray());
            assertArrayEquals(
                    trainingForward.logDet().toDoubleArray(), forward.logDet().toDoubleArray());
            assertArrayEquals(
                    trainingInverse.output().toDoubleArray(), inverse.output().toDoubleArray());
            assertArrayEquals(
                    trainingInverse.logDet().toDoubleArray(), inverse.logDet().toDoubleArray());
        }
    }
}
