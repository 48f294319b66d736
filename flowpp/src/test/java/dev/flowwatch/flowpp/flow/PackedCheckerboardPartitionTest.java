package dev.flowwatch.flowpp.flow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.flowwatch.flowpp.nn.CouplingNetwork;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PackedCheckerboardPartitionTest {

    private static final FlowContext EXACT =
            FlowContext.inference().withBisection(new Bisection(1e-12, 200));
    private static final CouplingNetwork.Spec SPEC = new CouplingNetwork.Spec(8, 1, 3, 2, 0f);

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
        Engine.getInstance().setRandomSeed(17);
    }

    @AfterEach
    void close() {
        manager.close();
    }

    /** 1×1×2×4 image with value 10·i + j at (i, j). */
    private NDArray positions() {
        return manager.create(new double[] {0, 1, 2, 3, 10, 11, 12, 13}, new Shape(1, 1, 2, 4));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void conditionerHoldsExactlyThePositionsOfItsParityRowByRow(int parity) {
        PackedCheckerboardPartition partition = new PackedCheckerboardPartition(parity);
        double[] even = {0, 2, 11, 13}; // (i + j) % 2 == 0
        double[] odd = {1, 3, 10, 12};
        assertArrayEquals(
                parity == 0 ? even : odd, partition.conditioner(positions()).toDoubleArray());
        assertArrayEquals(
                parity == 0 ? odd : even, partition.active(positions()).toDoubleArray());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void mergePutsTransformedElementsBackInTheirPlaces(int parity) {
        PackedCheckerboardPartition partition = new PackedCheckerboardPartition(parity);
        NDArray x = positions();
        assertArrayEquals(
                x.toDoubleArray(), partition.merge(x, partition.active(x)).toDoubleArray());
        NDArray changed = partition.merge(x, partition.active(x).add(100));
        double[] expected = x.toDoubleArray();
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 4; j++) {
                if ((i + j) % 2 != parity) {
                    expected[i * 4 + j] += 100;
                }
            }
        }
        assertArrayEquals(expected, changed.toDoubleArray());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void packedCouplingIsInvertibleWithTheNumericalLogDet(int parity) {
        MixtureLogisticCoupling coupling =
                new MixtureLogisticCoupling(
                        new PackedCheckerboardPartition(parity), 2, 0, 4, 4, SPEC);
        Shape shape = new Shape(1, 2, 4, 4);
        FlowChecks.initializeRandomly(coupling, manager, shape, 5);
        NDArray x = manager.randomNormal(0f, 1f, shape, DataType.FLOAT64);
        FlowChecks.assertInvertible(coupling, x.repeat(0, 3), EXACT, 1e-7);
        FlowChecks.assertLogDetMatchesNumericalJacobian(coupling, x, EXACT, 1e-5);
    }
}
