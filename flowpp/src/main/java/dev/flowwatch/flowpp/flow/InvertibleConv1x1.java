package dev.flowwatch.flowpp.flow;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

import dev.flowwatch.flowpp.nn.ArrayInitializer;
import dev.flowwatch.flowpp.nn.Derived;
import dev.flowwatch.flowpp.nn.Module;
import dev.flowwatch.flowpp.nn.Tensors;

import java.util.Random;

/**
 * Invertible 1×1 convolution (Glow) in LU form W = P·L·(U + diag(sign·exp(logS))): P is a fixed
 * permutation, L unit lower-triangular, U strictly upper-triangular. log|det W| = Σ logS exactly,
 * per pixel, with no O(C³) determinant. Initialised at a random rotation.
 */
public final class InvertibleConv1x1 extends Module implements Flow {

    private final int channels;
    private final Parameter permutation;
    private final Parameter sign;
    private final Parameter lower;
    private final Parameter upper;
    private final Parameter logS;
    private final Derived weight;
    private final Derived inverseWeight;
    private final Derived logSSum;

    public InvertibleConv1x1(int channels, long seed) {
        this.channels = channels;
        Lu lu = Lu.ofRandomRotation(channels, new Random(seed));
        Shape square = new Shape(channels, channels);
        Shape vector = new Shape(channels);
        permutation = constant("permutation", square, new ArrayInitializer(lu.permutation));
        sign = constant("sign", vector, new ArrayInitializer(lu.sign));
        lower = parameter("lower", square, new ArrayInitializer(lu.lower));
        upper = parameter("upper", square, new ArrayInitializer(lu.upper));
        logS = parameter("logS", vector, new ArrayInitializer(lu.logS));
        Parameter[] factors = {permutation, sign, lower, upper, logS};
        weight = derived(this::composedWeight, factors);
        inverseWeight = derived(() -> weight.get().inverse(), factors);
        logSSum = derived(() -> value(logS).sum(), logS);
    }

    @Override
    public FlowResult forward(NDArray x, FlowContext context) {
        return new FlowResult(mix(weight.get(), x), logDet(x, 1));
    }

    @Override
    public FlowResult inverse(NDArray y, FlowContext context) {
        return new FlowResult(mix(inverseWeight.get(), y), logDet(y, -1));
    }

    private NDArray composedWeight() {
        NDManager m = value(lower).getManager();
        NDArray eye = m.eye(channels).toType(value(lower).getDataType(), false);
        NDArray strictlyLower = lowerMask(m).toType(eye.getDataType(), false);
        NDArray l = value(lower).mul(strictlyLower).add(eye);
        NDArray u =
                value(upper)
                        .mul(strictlyLower.transpose())
                        .add(eye.mul(value(sign).mul(value(logS).exp())));
        return value(permutation).matMul(l).matMul(u);
    }

    /**
     * 1 strictly below the diagonal. Built by PyTorch ops rather than from a Java array: autograd
     * keeps it for the backward pass, past the closing of the step's scope.
     */
    private NDArray lowerMask(NDManager m) {
        NDArray index = m.arange(0, channels, 1, DataType.INT32);
        return index.reshape(-1, 1).gt(index.reshape(1, -1));
    }

    private static NDArray mix(NDArray w, NDArray x) {
        Shape s = x.getShape();
        return w.matMul(x.reshape(s.get(0), s.get(1), -1)).reshape(s);
    }

    private NDArray logDet(NDArray x, int direction) {
        Shape s = x.getShape();
        return Tensors.mul(logSSum.get(), direction * s.get(2) * s.get(3))
                .broadcast(new Shape(s.get(0)));
    }

    /** LU factors of a random rotation, row-major, computed once in double precision. */
    private static final class Lu {
        final double[] permutation;
        final double[] lower;
        final double[] upper;
        final double[] sign;
        final double[] logS;

        private Lu(int n) {
            permutation = new double[n * n];
            lower = new double[n * n];
            upper = new double[n * n];
            sign = new double[n];
            logS = new double[n];
        }

        static Lu ofRandomRotation(int n, Random random) {
            double[][] q = orthonormalColumns(n, random);
            int[] rowOf = new int[n];
            for (int i = 0; i < n; i++) {
                rowOf[i] = i;
            }
            // Doolittle with partial pivoting on a copy of q: q[rowOf] = L·U
            double[][] a = new double[n][];
            for (int i = 0; i < n; i++) {
                a[i] = q[i].clone();
            }
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
                int t = rowOf[k];
                rowOf[k] = rowOf[pivot];
                rowOf[pivot] = t;
                for (int i = k + 1; i < n; i++) {
                    a[i][k] /= a[k][k];
                    for (int j = k + 1; j < n; j++) {
                        a[i][j] -= a[i][k] * a[k][j];
                    }
                }
            }
            Lu lu = new Lu(n);
            for (int i = 0; i < n; i++) {
                // row i of L·U is row rowOf[i] of q, so q = P·L·U with P[rowOf[i]][i] = 1
                lu.permutation[rowOf[i] * n + i] = 1;
                for (int j = 0; j < n; j++) {
                    if (j < i) {
                        lu.lower[i * n + j] = a[i][j];
                    } else if (j > i) {
                        lu.upper[i * n + j] = a[i][j];
                    }
                }
                lu.sign[i] = Math.signum(a[i][i]);
                lu.logS[i] = Math.log(Math.abs(a[i][i]));
            }
            return lu;
        }

        private static double[][] orthonormalColumns(int n, Random random) {
            double[][] v = new double[n][n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    v[i][j] = random.nextGaussian();
                }
            }
            // modified Gram-Schmidt over rows: rows of an orthogonal matrix are orthonormal too
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < i; k++) {
                    double dot = 0;
                    for (int j = 0; j < n; j++) {
                        dot += v[i][j] * v[k][j];
                    }
                    for (int j = 0; j < n; j++) {
                        v[i][j] -= dot * v[k][j];
                    }
                }
                double norm = 0;
                for (int j = 0; j < n; j++) {
                    norm += v[i][j] * v[i][j];
                }
                norm = Math.sqrt(norm);
                for (int j = 0; j < n; j++) {
                    v[i][j] /= norm;
                }
            }
            return v;
        }
    }
}
