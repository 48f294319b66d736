package dev.flowwatch.flowpp.score;

import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.zip.Deflater;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * The input complexity L(x)/D of an image (Serrà et al., "Input complexity and out-of-distribution
 * detection with likelihood-based generative models", ICLR 2020): the length in bits of a lossless
 * compression of the image, per dimension. A general-purpose compressor stands in for the
 * Kolmogorov complexity that a likelihood model's bits/dim is biased by.
 */
public final class InputComplexity {

    /** A lossless compressor; both are in the JDK, so no dependency is added for them. */
    public enum Compressor {
        /**
         * PNG as the JDK's ImageIO writes it at the strongest deflate level: per-row filters then
         * deflate, the compressor of the paper. Includes PNG's fixed chunk overhead (about 70
         * bytes), a constant that shifts every image of one shape equally.
         */
        PNG,
        /** Raw deflate (no zlib header) at level 9 of the pixel bytes in C, H, W order. */
        DEFLATE;

        /** The lower-case name used on command lines and in files. */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Parses {@link #id()}, case-insensitively. */
        public static Compressor parse(String id) {
            for (Compressor c : values()) {
                if (c.id().equalsIgnoreCase(id.trim())) {
                    return c;
                }
            }
            throw new IllegalArgumentException(
                    "unknown compressor '" + id + "'; known: png, deflate");
        }
    }

    /**
     * One PNG writer per thread, reset after each image: looking a writer up and creating it took
     * as long again as the writing itself. ImageIO's writers are not thread-safe.
     */
    private static final ThreadLocal<ImageWriter> PNG_WRITER =
            ThreadLocal.withInitial(() -> ImageIO.getImageWritersByFormatName("png").next());

    private InputComplexity() {}

    /**
     * L(x)/D in bits per dimension of one image.
     *
     * @param pixels unsigned bytes in C, H, W order; PNG supports 1 (gray) or 3 (RGB) channels
     */
    public static double bitsPerDim(
            Compressor compressor, byte[] pixels, int channels, int height, int width) {
        int dimensions = channels * height * width;
        ImageStatistics.requireSize(pixels, channels, height, width);
        long bytes =
                switch (compressor) {
                    case PNG -> pngBytes(pixels, channels, height, width);
                    case DEFLATE -> deflateBytes(pixels);
                };
        return 8.0 * bytes / dimensions;
    }

    private static long deflateBytes(byte[] pixels) {
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
        try {
            deflater.setInput(pixels);
            deflater.finish();
            byte[] buffer = new byte[4096];
            long total = 0;
            while (!deflater.finished()) {
                total += deflater.deflate(buffer);
            }
            return total;
        } finally {
            deflater.end();
        }
    }

    private static long pngBytes(byte[] pixels, int channels, int height, int width) {
        BufferedImage image;
        if (channels == 1) {
            image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        } else if (channels == 3) {
            image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        } else {
            throw new IllegalArgumentException(
                    "PNG complexity needs 1 or 3 channels, got " + channels);
        }
        WritableRaster raster = image.getRaster();
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    // raster bands are R, G, B whatever the byte order of the image type
                    raster.setSample(
                            x, y, c, Byte.toUnsignedInt(pixels[(c * height + y) * width + x]));
                }
            }
        }
        ImageWriter writer = PNG_WRITER.get();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // in memory: ImageIO.createImageOutputStream backs the stream with a temporary file
        // (ImageIO's cache is on by default), which tripled the time per image
        try (ImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            ImageWriteParam param = writer.getDefaultWriteParam();
            // quality 0 is the JDK writer's deflate level 9: the shortest code it can produce
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(0f);
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException("PNG encoding in memory failed", e);
        } finally {
            writer.reset();
        }
        return out.size();
    }
}
