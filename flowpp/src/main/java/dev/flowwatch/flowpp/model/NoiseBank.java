package dev.flowwatch.flowpp.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;

import java.util.concurrent.locks.ReentrantLock;

/**
 * The dequantization noise of a scorer, as a function of each image: a bank of draws made once from
 * a seed, of which an image gets the row a hash of its pixels picks (for each of its samples
 * another). An image's score then depends on nothing but the image, the model and the seed: not on
 * the batch it shares, its place in it, the batch size or the device. Noise drawn per batch, in
 * contrast, went by the place in the batch: an event's score moved with how the stream batched it,
 * and a calibration scored in batches of 64 was not exchangeable with a stream that scores many
 * events alone (both assumptions of the conformal p-values).
 *
 * <p>The bank is drawn on the CPU, whatever device it then lives on, so the same seed gives the
 * same noise on every device. Two images of different pixels share a row with a probability of one
 * over the rows (4096 for up to 32×32×3 images): their Monte-Carlo errors are then correlated,
 * which no score's distribution depends on.
 */
final class NoiseBank {

    /** The most memory a bank takes, but for images so large that {@link #MIN_ROWS} take more. */
    static final long MAX_BYTES = 64L << 20;

    static final int MAX_ROWS = 4096;
    static final int MIN_ROWS = 64;

    /** The engine's random generator is one per JVM: banks are drawn under this lock. */
    private static final ReentrantLock GENERATOR = new ReentrantLock();

    private final NDArray rows;
    private final int count;

    /**
     * Draws the bank of {@code model}'s dequantizer with {@code seed} and moves it to {@code
     * manager}'s device, where it stays until the manager closes.
     */
    NoiseBank(FlowPlusPlus model, NDManager manager, int seed) {
        FlowConfig c = model.config();
        this.count = rowsFor(c.dimensions(), model.dataType().getNumOfBytes());
        Shape shape = new Shape(count, c.channels(), c.height(), c.width());
        NDArray drawn;
        GENERATOR.lock();
        try (NDManager cpu = NDManager.newBaseManager(Device.cpu());
                NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            Engine.getInstance().setRandomSeed(seed);
            drawn =
                    model.drawNoise(cpu, shape, model.dataType())
                            .toDevice(manager.getDevice(), true);
            drawn.attach(manager);
            NDScope.unregister(drawn);
        } finally {
            GENERATOR.unlock();
        }
        this.rows = drawn;
    }

    /** Rows of a bank for images of {@code dimensions} values of {@code bytes} each. */
    static int rowsFor(int dimensions, int bytes) {
        long fit = MAX_BYTES / ((long) bytes * dimensions);
        return (int) Math.max(MIN_ROWS, Math.min(MAX_ROWS, fit));
    }

    /**
     * The noise of sample {@code sample} of the images whose {@link #imageKeys} these are: shaped
     * (n, C, H, W), on the bank's device, in the current scope.
     */
    NDArray noise(long[] keys, int sample) {
        long[] picked = new long[keys.length];
        for (int i = 0; i < keys.length; i++) {
            picked[i] = row(keys[i], sample);
        }
        return rows.get(rows.getManager().create(picked));
    }

    /**
     * The keys of {@code n} images of {@code dimensions} values given as 0..255 floats in N, C, H,
     * W order: hashed once per batch, for every sample and bank.
     */
    static long[] imageKeys(float[] pixels, int n, int dimensions) {
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) {
            keys[i] = imageKey(pixels, i * dimensions, dimensions);
        }
        return keys;
    }

    /** The row of sample {@code sample} of the image whose pixels hash to {@code key}. */
    int row(long key, int sample) {
        return (int) Long.remainderUnsigned(mix(key + sample * GOLDEN), count);
    }

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    /** A 64-bit hash of one image's pixel values (FNV-1a over the bytes, then mixed). */
    static long imageKey(float[] pixels, int from, int length) {
        long h = 0xCBF29CE484222325L;
        for (int i = from; i < from + length; i++) {
            h = (h ^ (Math.round(pixels[i]) & 0xFF)) * 0x100000001B3L;
        }
        return mix(h);
    }

    /** MurmurHash3's 64-bit finaliser: every input bit reaches every output bit. */
    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
        z = (z ^ (z >>> 33)) * 0xC4CEB9FE1A85EC53L;
        return z ^ (z >>> 33);
    }
}
