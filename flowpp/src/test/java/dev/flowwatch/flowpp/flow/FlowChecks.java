package dev.flowwatch.flowpp.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;

import java.util.Random;
import java.util.function.UnaryOperator;

/** Shared checks of the two properties every flow must have, in float64. */
public final class FlowChecks {

    private FlowChecks() {}

    /**
     * Initialises a block in float64 and moves every trainable parameter away from its (often
     * identity) start.
     */
    public static void initializeRandomly(
            Block block, NDManager manager, Shape inputShape, long seed) {
        block.initialize(manager, DataType.FLOAT64, inputShape);
        perturb(block, manager, seed);
    }

    /**
     * Moves every trainable parameter of an initialised block away from its start, in the
     * parameter's own type: a fresh coupling network's last layer outputs zeros, which makes every
     * coupling the identity, and a test of it then proves nothing about its networks.
     */
    public static void perturb(Block block, NDManager manager, long seed) {
        Random random = new Random(seed);
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (!p.getValue().requiresGradient()) {
                continue;
            }
            NDArray array = p.getValue().getArray();
            double[] noise = new double[(int) array.size()];
            for (int i = 0; i < noise.length; i++) {
                noise[i] = 0.3 * random.nextGaussian();
            }
            array.addi(manager.create(noise, array.getShape()).toType(array.getDataType(), false));
        }
    }

    /** inverse(forward(x)) ≈ x, and the inverse's log-det is minus the forward's. */
    public static void assertInvertible(
            Flow flow, NDArray x, FlowContext context, double tolerance) {
        FlowResult forward = flow.forward(x, context);
        FlowResult inverse = flow.inverse(forward.output(), context);
        double error = largest(inverse.output().sub(x));
        assertTrue(error < tolerance, "max |inverse(forward(x)) - x| = " + error);
        double logDetError = largest(forward.logDet().add(inverse.logDet()));
        assertTrue(
                logDetError < tolerance * 10,
                "forward and inverse log-dets differ by " + logDetError);
    }

    private static double largest(NDArray error) {
        return error.abs().max().toType(DataType.FLOAT64, false).getDouble();
    }

    /**
     * The reported log-det of every example of {@code x} (distinct ones, so that a layer mixing or
     * summing examples fails) equals log|det J| of that example's Jacobian, computed by central
     * finite differences on the example alone.
     */
    public static void assertLogDetMatchesNumericalJacobian(
            Flow flow, NDArray x, FlowContext context, double tolerance) {
        double[] reported =
                flow.forward(x, context).logDet().toType(DataType.FLOAT64, false).toDoubleArray();
        assertEquals(x.getShape().get(0), reported.length, "one log-det per example");
        for (int i = 0; i < reported.length; i++) {
            NDIndex row = new NDIndex("{}:{}", i, i + 1);
            NDArray conditioning =
                    context.conditioning() == null ? null : context.conditioning().get(row);
            double expected =
                    numericalLogAbsDet(
                            batch -> {
                                long copies = batch.getShape().get(0);
                                FlowContext batchContext =
                                        conditioning == null
                                                ? context
                                                : context.withConditioning(
                                                        conditioning.repeat(0, copies));
                                return flow.forward(batch, batchContext).output();
                            },
                            x.get(row));
            assertEquals(
                    expected,
                    reported[i],
                    tolerance,
                    "log|det J| numerical vs reported, example " + i);
        }
    }

    /**
     * log|det ∂f/∂x| at a single example x (shape (1, ...)) by central finite differences in
     * float64; f maps a batch to a batch of the same size and element count, and all 2·D perturbed
     * inputs go through it as one batch.
     */
    public static double numericalLogAbsDet(UnaryOperator<NDArray> f, NDArray x) {
        Shape shape = x.getShape();
        assertEquals(1, shape.get(0), "Jacobian check takes one example");
        int d = (int) (shape.size());
        double h = 1e-6;
        NDManager m = x.getManager();
        NDArray eye = m.eye(d).toType(DataType.FLOAT64, false).mul(h);
        NDArray flat = x.reshape(1, d);
        NDArray batch =
                NDArrays.concat(new NDList(flat.add(eye), flat.sub(eye)), 0)
                        .reshape(new Shape(2L * d).addAll(shape.slice(1)));
        NDArray outputs = f.apply(batch).reshape(2L * d, d);
        double[] plus = outputs.get("0:" + d).toDoubleArray();
        double[] minus = outputs.get(d + ":").toDoubleArray();
        double[][] jacobian = new double[d][d];
        for (int i = 0; i < d; i++) { // column i: derivative of every output by input i
            for (int o = 0; o < d; o++) {
                jacobian[o][i] = (plus[i * d + o] - minus[i * d + o]) / (2 * h);
            }
        }
        return logAbsDet(jacobian);
    }

    private static double logAbsDet(double[][] matrix) {
        int n = matrix.length;
        double[][] a = new double[n][];
        for (int i = 0; i < n; i++) {
            a[i] = matrix[i].clone();
        }
        double sum = 0;
        for (int k = 0; k < n; k++) {
            int pivot = k;
            for (int i = k + 1; i < n; i++) {
                if (Math.abs(a[i][k]) > Math.abs(a[pivot][k])) {
                    pivot = i;
                }
            }
            double[] tmp = a[k];
            a[k] = a[pivot];
            a[pivot] = tmp;
            sum += Math.log(Math.abs(a[k][k]));
            for (int i = k + 1; i < n; i++) {
                double f = a[i][k] / a[k][k];
                for (int j = k; j < n; j++) {
                    a[i][j] -= f * a[k][j];
                }
            }
        }
        return sum;
    }
}
