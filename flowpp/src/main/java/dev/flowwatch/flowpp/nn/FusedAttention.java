package dev.flowwatch.flowpp.nn;

import ai.djl.Device;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Softmax attention as one fused operator: PyTorch's {@code scaled_dot_product_attention}, which
 * DJL does not expose, through a weightless TorchScript module bundled with the library ({@code
 * attention.pt}, written by {@code scripts/make-attention-module.py}).
 *
 * <p>Its CPU and CUDA kernels never form the H·W × H·W scores, which at 28×28 are the largest
 * arrays of a forward pass: written by one matrix product, read and written by the softmax, read by
 * the next product. Same values to float rounding, and gradients flow through it (its operator's
 * own backward). Used wherever no dropout applies to the weights: training with dropout keeps the
 * explicit computation, whose dropout draws from the seeded generator.
 *
 * <p>A libtorch without the operator (before 2.0) cannot load the module: attention is then
 * computed explicitly, with one warning. {@code -Dflowpp.attention=explicit} does so anywhere, to
 * compare the two.
 */
public final class FusedAttention {

    /** System property choosing the attention of passes without dropout: fused or explicit. */
    private static final String PROPERTY = "flowpp.attention";

    private static final Logger LOG = LoggerFactory.getLogger(FusedAttention.class);
    private static final String RESOURCE = "attention.pt";

    private FusedAttention() {}

    /** Whether passes without dropout attend through the fused operator in this process. */
    public static boolean available() {
        return Loaded.INSTANCE != null;
    }

    /**
     * softmax(qᵀk/√d)·v per head.
     *
     * @param queryKeyValue (N, 3, heads, d, L): queries, keys and values over L positions
     * @return (N, heads, d, L), with {@code queryKeyValue}'s manager
     */
    static NDArray attend(NDArray queryKeyValue) {
        if (Loaded.INSTANCE == null) {
            throw new IllegalStateException("fused attention is unavailable in this process");
        }
        // the graph executor's profiling runs would only add latency to a graph of one operator;
        // its switch is per thread, so it is set on the calling one
        JniUtils.setGraphExecutorOptimize(false);
        // true: run as any operator is, recording gradients where the thread does; false would
        // run in InferenceMode, whose tensors no later operator may record gradients through
        return IValueUtils.forward(Loaded.INSTANCE, new NDList(queryKeyValue), true).head();
    }

    /** Loaded on first use, for the life of the process; null when unavailable. */
    private static final class Loaded {

        static final PtSymbolBlock INSTANCE = load();

        private static PtSymbolBlock load() {
            String choice = System.getProperty(PROPERTY, "fused");
            if (choice.equals("explicit")) {
                LOG.info("attention computed explicitly (-D{}=explicit)", PROPERTY);
                return null;
            }
            if (!choice.equals("fused")) {
                throw new IllegalArgumentException(
                        "-D" + PROPERTY + "=" + choice + ": expected fused or explicit");
            }
            // a weightless module: the manager only carries the engine, and lives as long
            PtNDManager manager = (PtNDManager) NDManager.newBaseManager(Device.cpu(), "PyTorch");
            try (InputStream in = FusedAttention.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException(RESOURCE + " is missing from the library");
                }
                return JniUtils.loadModule(manager, in, true, false);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (EngineException e) {
                manager.close();
                LOG.warn(
                        "attention computed explicitly: this libtorch cannot load the fused"
                                + " operator ({})",
                        firstLine(e.getMessage()));
                return null;
            }
        }

        /** TorchScript's errors start with a blank line; the first line with words says why. */
        private static String firstLine(String message) {
            if (message != null) {
                for (String line : message.split("\n")) {
                    if (!line.isBlank()) {
                        return line.strip();
                    }
                }
            }
            return "no reason given";
        }
    }
}
