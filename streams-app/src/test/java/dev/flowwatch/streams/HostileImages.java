package dev.flowwatch.streams;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

import javax.imageio.ImageIO;

/** Compressed images whose headers claim far more pixels than their bytes hold: decoder bombs. */
public final class HostileImages {

    /** The largest square whose pixels still fit a Java array: 46340² < 2³¹. */
    public static final int BOMB_SIDE = 46340;

    private HostileImages() {}

    /** A small grey JPEG whose frame header (SOF0) claims {@code width x height} pixels. */
    public static byte[] jpegClaiming(int width, int height) {
        byte[] jpeg = encode(new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY), "jpeg");
        for (int i = 0; i + 8 < jpeg.length; i++) {
            if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xC0) {
                // SOF0: marker, length (2), precision (1), height (2), width (2)
                ByteBuffer.wrap(jpeg, i + 5, 4).putShort((short) height).putShort((short) width);
                return jpeg;
            }
        }
        throw new IllegalStateException("the JDK's JPEG writer wrote no SOF0 marker");
    }

    /**
     * A grey 8-bit PNG whose IHDR claims {@code width x height} pixels, with {@code zeroBytes} of
     * zeros deflated into its IDAT (a megabyte of zeros deflates to about a kilobyte).
     */
    public static byte[] pngClaiming(int width, int height, int zeroBytes) {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        chunk(
                png,
                "IHDR",
                ByteBuffer.allocate(13)
                        .putInt(width)
                        .putInt(height)
                        .put((byte) 8) // bit depth
                        .put((byte) 0) // grey
                        .put(new byte[3]) // deflate, adaptive filtering, no interlace
                        .array());
        chunk(png, "IDAT", deflate(new byte[zeroBytes]));
        chunk(png, "IEND", new byte[0]);
        return png.toByteArray();
    }

    /**
     * {@code png} with a private ancillary chunk of {@code bytes} zeros before its IEND: decoders
     * skip it, so the image stays what it was and only its size grows.
     */
    public static byte[] padded(byte[] png, int bytes) {
        int iend = png.length - 12;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(png, 0, iend);
        chunk(out, "flPd", new byte[bytes]);
        out.write(png, iend, 12);
        return out.toByteArray();
    }

    public static byte[] encode(BufferedImage image, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("no " + format + " writer");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream png, String type, byte[] data) {
        byte[] name = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(name);
        crc.update(data);
        png.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        png.writeBytes(name);
        png.writeBytes(data);
        png.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    private static byte[] deflate(byte[] data) {
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        deflater.setInput(data);
        deflater.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        while (!deflater.finished()) {
            out.write(buffer, 0, deflater.deflate(buffer));
        }
        deflater.end();
        return out.toByteArray();
    }
}
