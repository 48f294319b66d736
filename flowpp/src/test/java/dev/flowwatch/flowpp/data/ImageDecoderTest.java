package dev.flowwatch.flowpp.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.DeflaterOutputStream;

import javax.imageio.ImageIO;
import javax.imageio.stream.MemoryCacheImageInputStream;

/** Every kind of PNG and JPEG a producer may send, as the trainer and the scorer both read it. */
class ImageDecoderTest {

    private static final byte[] LEVELS = {0, 17, (byte) 128, (byte) 255};

    @Test
    void aPaletteOfGreysIsGreyWithThePalettesLevels() throws Exception {
        byte[] greys = new byte[256];
        for (int i = 0; i < 256; i++) {
            greys[i] = (byte) (255 - i); // levels and indices differ
        }
        BufferedImage image =
                new BufferedImage(
                        2,
                        2,
                        BufferedImage.TYPE_BYTE_INDEXED,
                        new IndexColorModel(8, 256, greys, greys, greys));
        image.getRaster().setPixels(0, 0, 2, 2, new int[] {0, 1, 127, 255});

        Decoded d = decode(image, "png");
        assertEquals(1, d.header().channels());
        assertArrayEquals(new byte[] {(byte) 255, (byte) 254, (byte) 128, 0}, d.pixels());
    }

    @Test
    void greysOfOneBitAndSixteenBitsScaleToEightBits() throws Exception {
        BufferedImage bits = new BufferedImage(4, 1, BufferedImage.TYPE_BYTE_BINARY);
        bits.getRaster().setPixels(0, 0, 4, 1, new int[] {0, 1, 1, 0});
        Decoded one = decode(bits, "png");
        assertEquals(1, one.header().channels());
        assertArrayEquals(new byte[] {0, (byte) 255, (byte) 255, 0}, one.pixels());

        BufferedImage wide = new BufferedImage(4, 1, BufferedImage.TYPE_USHORT_GRAY);
        wide.getRaster().setPixels(0, 0, 4, 1, new int[] {0, 4369, 32896, 65535});
        Decoded sixteen = decode(wide, "png");
        assertEquals(1, sixteen.header().channels());
        assertArrayEquals(LEVELS, sixteen.pixels());
    }

    @Test
    void aColourPaletteIsRgb() throws Exception {
        byte[] r = {10, 0};
        byte[] g = {20, 0};
        byte[] b = {30, 0};
        BufferedImage image =
                new BufferedImage(
                        1, 1, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(8, 2, r, g, b));
        Decoded d = decode(image, "png");
        assertEquals(3, d.header().channels());
        assertArrayEquals(new byte[] {10, 20, 30}, d.pixels());
    }

    @Test
    void opaqueAlphaIsDroppedAndATransparentPixelIsRefused() throws Exception {
        BufferedImage image = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        image.setRGB(0, 0, 0xFF_10_20_30);
        image.setRGB(1, 0, 0xFF_40_50_60);
        Decoded opaque = decode(image, "png");
        assertEquals(3, opaque.header().channels());
        assertArrayEquals(new byte[] {0x10, 0x20, 0x30, 0x40, 0x50, 0x60}, opaque.pixels());

        image.setRGB(1, 0, 0x80_40_50_60);
        RefusedImageException e =
                assertThrows(RefusedImageException.class, () -> decode(image, "png"));
        assertEquals(RefusedImageException.Problem.COLOURS, e.problem());
        assertTrue(e.getMessage().contains("x=1, y=0"), e.getMessage());
    }

    @Test
    void greyWithAlphaIsGreyWhenOpaque() throws Exception {
        BufferedImage image =
                withAlpha(
                        ColorSpace.CS_GRAY,
                        DataBuffer.TYPE_BYTE,
                        new int[] {0, 255, 17, 255, 128, 255, 255, 255});
        Decoded d = decode(image, "png");
        assertEquals(1, d.header().channels());
        assertArrayEquals(LEVELS, d.pixels());
    }

    /**
     * The JDK compares a grey PNG's transparent level (tRNS) under 8 bits with the levels scaled to
     * 8 bits, so its transparent pixels decode opaque.
     */
    @Test
    void aGreyPngUnderEightBitsWithATransparentLevelIsRefused() throws Exception {
        byte[] png = onePixelRowPng(1, new int[] {0, 1, 1, 0}, new byte[] {0, 1});
        RefusedImageException e =
                assertThrows(
                        RefusedImageException.class, () -> decode(png, ImageDecoder.Format.PNG));
        assertEquals(RefusedImageException.Problem.COLOURS, e.problem());

        byte[] without = onePixelRowPng(1, new int[] {0, 1, 1, 0}, null);
        assertArrayEquals(
                new byte[] {0, (byte) 255, (byte) 255, 0},
                decode(without, ImageDecoder.Format.PNG).pixels());
    }

    /** Alpha of 16 bits is checked as stored, not as rounded to 8 bits. */
    @Test
    void aSixteenBitAlphaJustBelowOpaqueIsTransparent() throws Exception {
        BufferedImage image =
                withAlpha(
                        ColorSpace.CS_sRGB,
                        DataBuffer.TYPE_USHORT,
                        new int[] {0, 0, 0, 65535, 0, 0, 0, 65407});
        RefusedImageException e =
                assertThrows(RefusedImageException.class, () -> decode(image, "png"));
        assertTrue(e.getMessage().contains("x=1, y=0"), e.getMessage());
    }

    @Test
    void aTruncatedJpegIsRefusedWhereTheDecoderWouldFillItWithGrey() throws Exception {
        BufferedImage image = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
        for (int i = 0; i < 256; i++) {
            image.getRaster().setSample(i % 16, i / 16, 0, (i * 37) % 256);
        }
        byte[] whole = encode(image, "jpeg");
        assertEquals(1, decode(whole, ImageDecoder.Format.JPEG).header().channels());

        byte[] cut = Arrays.copyOf(whole, whole.length * 7 / 10);
        RefusedImageException e =
                assertThrows(
                        RefusedImageException.class, () -> decode(cut, ImageDecoder.Format.JPEG));
        assertEquals(RefusedImageException.Problem.DATA, e.problem());
        assertTrue(e.getMessage().contains("warned"), e.getMessage());
    }

    @Test
    void anImageOfAnotherFormatThanNamedIsRefused() throws Exception {
        BufferedImage image = new BufferedImage(2, 2, BufferedImage.TYPE_BYTE_GRAY);
        RefusedImageException e =
                assertThrows(
                        RefusedImageException.class,
                        () -> decode(encode(image, "gif"), ImageDecoder.Format.PNG));
        assertEquals(RefusedImageException.Problem.DATA, e.problem());
    }

    /** One row of pixels with alpha, samples interleaved as {@code samples} gives them. */
    private static BufferedImage withAlpha(int colourSpace, int dataType, int[] samples) {
        ComponentColorModel model =
                new ComponentColorModel(
                        ColorSpace.getInstance(colourSpace),
                        true,
                        false,
                        Transparency.TRANSLUCENT,
                        dataType);
        int width = samples.length / model.getNumComponents();
        WritableRaster raster = model.createCompatibleWritableRaster(width, 1);
        raster.setPixels(0, 0, width, 1, samples);
        return new BufferedImage(model, raster, false, null);
    }

    private record Decoded(ImageDecoder.Header header, byte[] pixels) {}

    private static Decoded decode(BufferedImage image, String format) throws Exception {
        return decode(encode(image, format), ImageDecoder.Format.valueOf(format.toUpperCase()));
    }

    private static Decoded decode(byte[] bytes, ImageDecoder.Format format)
            throws RefusedImageException {
        try (ImageDecoder decoder =
                ImageDecoder.open(
                        new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes)), format)) {
            ImageDecoder.Header header = decoder.header();
            return new Decoded(header, decoder.pixels());
        }
    }

    /**
     * A grey PNG (colour type 0) of one row at {@code bits} per sample, with a tRNS chunk when
     * {@code transparent} is given: what the JDK's writer cannot make.
     */
    private static byte[] onePixelRowPng(int bits, int[] levels, byte[] transparent)
            throws IOException {
        ByteArrayOutputStream row = new ByteArrayOutputStream();
        row.write(0); // no filter
        int packed = 0;
        int filled = 0;
        for (int level : levels) {
            packed = (packed << bits) | level;
            filled += bits;
            if (filled == 8) {
                row.write(packed);
                packed = 0;
                filled = 0;
            }
        }
        if (filled > 0) {
            row.write(packed << (8 - filled));
        }
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        DataOutputStream ihdr = new DataOutputStream(header);
        ihdr.writeInt(levels.length);
        ihdr.writeInt(1);
        ihdr.write(new byte[] {(byte) bits, 0, 0, 0, 0});
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        try (DeflaterOutputStream deflate = new DeflaterOutputStream(data)) {
            deflate.write(row.toByteArray());
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(png);
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        chunk(out, "IHDR", header.toByteArray());
        if (transparent != null) {
            chunk(out, "tRNS", transparent);
        }
        chunk(out, "IDAT", data.toByteArray());
        chunk(out, "IEND", new byte[0]);
        return png.toByteArray();
    }

    private static void chunk(DataOutputStream out, String type, byte[] body) throws IOException {
        byte[] name = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(name);
        crc.update(body);
        out.writeInt(body.length);
        out.write(name);
        out.write(body);
        out.writeInt((int) crc.getValue());
    }

    private static byte[] encode(BufferedImage image, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(image, format, out), "a writer for " + format);
        return out.toByteArray();
    }
}
