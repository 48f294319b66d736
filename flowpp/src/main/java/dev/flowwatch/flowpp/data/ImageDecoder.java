package dev.flowwatch.flowpp.data;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.util.ArrayList;
import java.util.List;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes one PNG or JPEG image into 8-bit pixels, the one way the trainer and the scorer both read
 * images, so that a model is scored on what it was trained on.
 *
 * <ul>
 *   <li>Grey: an image whose colour space is grey, or whose palette holds only greys (r = g = b),
 *       which is how the JDK reads palette PNGs and grey PNGs of 1, 2 or 4 bits (as sRGB of three
 *       components otherwise). Levels are scaled to 0–255 as round(level × 255 / max), from the
 *       raster: a conversion to sRGB would change them.
 *   <li>Colour: sRGB as the decoder converts it.
 *   <li>Alpha: accepted where every pixel is opaque (an exporter's RGBA of an opaque picture); a
 *       transparent pixel has no colour of its own, so such an image is refused.
 *   <li>Refused: more than three colour components (CMYK and YCCK JPEGs), a colour space the
 *       decoder cannot convert, and any warning of the decoder: it fills a truncated JPEG with grey
 *       and only warns.
 * </ul>
 *
 * The header is read apart from the pixels, so that a caller can refuse an image by its size before
 * any pixel is decoded.
 */
public final class ImageDecoder implements AutoCloseable {

    /** The encodings read. */
    public enum Format {
        PNG,
        JPEG
    }

    /** What the header says: the size, and 1 (grey) or 3 (colour) channels. */
    public record Header(int width, int height, int channels) {}

    /**
     * The JPEG decoder's warning of a colour profile it cannot use: it then decodes the pixels
     * without, as for an image with none (some devices write such profiles).
     */
    private static final String INVALID_PROFILE_IGNORED =
            "Embedded color profile is invalid; ignored";

    private final ImageReader reader;
    private final Format format;
    private Header header;
    private ColorModel stored;

    private ImageDecoder(ImageReader reader, Format format) {
        this.reader = reader;
        this.format = format;
    }

    /** A decoder of {@code format} over {@code input}, which it reads from its position. */
    public static ImageDecoder open(ImageInputStream input, Format format) {
        ImageReader reader = ImageIO.getImageReadersByFormatName(format.name()).next();
        reader.setInput(input, true, true);
        return new ImageDecoder(reader, format);
    }

    /**
     * @throws RefusedImageException if the header cannot be read, or names a colour kind this class
     *     refuses
     */
    public Header header() throws RefusedImageException {
        if (header != null) {
            return header;
        }
        int width;
        int height;
        ImageTypeSpecifier type;
        try {
            width = reader.getWidth(0);
            height = reader.getHeight(0);
            type = reader.getRawImageType(0);
        } catch (Exception | Error e) {
            throw corrupt("header", e);
        }
        if (type == null) {
            throw new RefusedImageException(
                    RefusedImageException.Problem.COLOURS,
                    "The " + format + " image has a colour space the decoder cannot convert.");
        }
        stored = type.getColorModel();
        header = new Header(width, height, channels(stored));
        return header;
    }

    /**
     * The pixels, height × width × channels (HWC), channels as {@link #header()} says.
     *
     * @throws RefusedImageException if the data cannot be decoded, the decoder warns, or a pixel is
     *     transparent
     */
    public byte[] pixels() throws RefusedImageException {
        Header expected = header();
        List<String> warnings = new ArrayList<>();
        reader.addIIOReadWarningListener(
                (source, warning) -> {
                    if (!warning.equals(INVALID_PROFILE_IGNORED)) {
                        warnings.add(warning);
                    }
                });
        BufferedImage image;
        try {
            image = reader.read(0);
        } catch (Exception | Error e) {
            // ImageIO's decoders report corrupt streams with IIOException and, at times, runtime
            // exceptions or errors from native code; none of them may escape as anything else.
            throw corrupt("data", e);
        }
        if (!warnings.isEmpty()) {
            throw new RefusedImageException(
                    RefusedImageException.Problem.DATA,
                    "The " + format + " data is damaged; the decoder warned: " + warnings);
        }
        ColorModel colours = image.getColorModel();
        if (image.getWidth() != expected.width()
                || image.getHeight() != expected.height()
                || channels(colours) != expected.channels()) {
            throw new RefusedImageException(
                    RefusedImageException.Problem.DATA,
                    "The " + format + " image decodes to another shape than its header says.");
        }
        requireOpaque(image);
        return expected.channels() == 1 ? grey(image) : rgb(image);
    }

    @Override
    public void close() {
        reader.dispose();
    }

    private int channels(ColorModel colours) throws RefusedImageException {
        if (colours instanceof IndexColorModel palette) {
            return allGrey(palette) ? 1 : 3;
        }
        int components = colours.getNumColorComponents();
        if (components == 1 && colours.getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
            return 1;
        }
        if (components == 3) {
            return 3;
        }
        throw new RefusedImageException(
                RefusedImageException.Problem.COLOURS,
                "The " + format + " image has " + components + " colour components.");
    }

    private static boolean allGrey(IndexColorModel palette) {
        for (int i = 0; i < palette.getMapSize(); i++) {
            int red = palette.getRed(i);
            if (palette.getGreen(i) != red || palette.getBlue(i) != red) {
                return false;
            }
        }
        return true;
    }

    private void requireOpaque(BufferedImage image) throws RefusedImageException {
        ColorModel colours = image.getColorModel();
        if (!colours.hasAlpha()) {
            return;
        }
        if (stored instanceof IndexColorModel && stored.getPixelSize() < 8 && !stored.hasAlpha()) {
            // a grey PNG under 8 bits with a transparent level (tRNS): the JDK compares that level
            // with the levels scaled to 8 bits, so that no pixel but black ever shows transparent
            throw new RefusedImageException(
                    RefusedImageException.Problem.COLOURS,
                    "The "
                            + format
                            + " image is grey of "
                            + stored.getPixelSize()
                            + " bits with a transparent level, which the decoder does not apply.");
        }
        int width = image.getWidth();
        Raster alpha = image.getAlphaRaster();
        int opaque = alpha == null ? 255 : (1 << alpha.getSampleModel().getSampleSize(0)) - 1;
        int[] row = new int[width];
        for (int y = 0; y < image.getHeight(); y++) {
            if (alpha != null) {
                alpha.getSamples(0, y, width, 1, 0, row);
            } else {
                image.getRaster().getSamples(0, y, width, 1, 0, row);
            }
            for (int x = 0; x < width; x++) {
                int level = alpha != null ? row[x] : colours.getAlpha(row[x]);
                if (level != opaque) {
                    throw new RefusedImageException(
                            RefusedImageException.Problem.COLOURS,
                            String.format(
                                    "The %s image has transparent pixels (the first at x=%d,"
                                            + " y=%d), whose colour is no part of the picture.",
                                    format, x, y));
                }
            }
        }
    }

    /** From the raster, or the palette's grey: a conversion to sRGB would change the levels. */
    private static byte[] grey(BufferedImage image) {
        int width = image.getWidth();
        int height = image.getHeight();
        Raster raster = image.getRaster();
        ColorModel colours = image.getColorModel();
        IndexColorModel palette = colours instanceof IndexColorModel p ? p : null;
        int max = (1 << colours.getComponentSize(0)) - 1;
        byte[] out = new byte[height * width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int sample = raster.getSample(x, y, 0);
                out[y * width + x] =
                        (byte)
                                (palette != null
                                        ? palette.getRed(sample)
                                        : Math.round(sample * 255.0 / max));
            }
        }
        return out;
    }

    private static byte[] rgb(BufferedImage image) {
        int width = image.getWidth();
        int height = image.getHeight();
        byte[] out = new byte[height * width * 3];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int argb = image.getRGB(x, y);
                int i = (y * width + x) * 3;
                out[i] = (byte) (argb >> 16);
                out[i + 1] = (byte) (argb >> 8);
                out[i + 2] = (byte) argb;
            }
        }
        return out;
    }

    private RefusedImageException corrupt(String part, Throwable e) {
        return new RefusedImageException(
                RefusedImageException.Problem.DATA,
                "The " + format + " " + part + " cannot be decoded: " + e);
    }
}
