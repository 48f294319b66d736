package dev.flowwatch.flowpp.flow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CheckerboardPartitionTest {

    /**
     * The masks are built once and shared by every later call, in any manager and scope: the ones
     * built inside a scope that has closed since, and a manager that has closed since, still mask
     * the next input, in float32 and float64 alike.
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void masksBuiltInAClosedScopeStillMaskTheNextInput(int parity) {
        CheckerboardPartition partition = new CheckerboardPartition(parity);
        for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT64}) {
            try (NDManager first = NDManager.newBaseManager();
                    NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                partition.conditioner(first.ones(new Shape(1, 1, 2, 3), type));
            }
            try (NDManager second = NDManager.newBaseManager()) {
                NDArray x =
                        second.create(new double[] {1, 2, 3, 4, 5, 6}, new Shape(1, 1, 2, 3))
                                .toType(type, false);
                double[] conditioning =
                        parity == 0
                                ? new double[] {1, 0, 3, 0, 5, 0}
                                : new double[] {0, 2, 0, 4, 0, 6};
                assertArrayEquals(
                        conditioning,
                        partition.conditioner(x).toType(DataType.FLOAT64, false).toDoubleArray(),
                        type.toString());
                NDArray changed = x.mul(second.create(10.0).toType(type, false));
                double[] merged = new double[6];
                for (int i = 0; i < 6; i++) {
                    merged[i] = conditioning[i] != 0 ? i + 1 : 10 * (i + 1);
                }
                assertArrayEquals(
                        merged,
                        partition.merge(x, changed).toType(DataType.FLOAT64, false).toDoubleArray(),
                        type.toString());
            }
        }
    }
}
