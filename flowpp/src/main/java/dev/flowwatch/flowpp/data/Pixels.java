package dev.flowwatch.flowpp.data;

import java.util.List;

/** Layout conversion between the wire format of images and the model's input. */
public final class Pixels {

    private Pixels() {}

    /**
     * Interleaved unsigned bytes (H, W, C per image, as RAW_U8 events carry them) to the planar
     * layout (N, C, H, W) that both the model and the compressors of the input complexity take.
     *
     * @throws IllegalArgumentException if an image has another size than the shape's
     */
    public static byte[] toPlanar(List<byte[]> imagesHWC, int channels, int height, int width) {
        int plane = height * width;
        int size = channels * plane;
        byte[] out = new byte[imagesHWC.size() * size];
        for (int n = 0; n < imagesHWC.size(); n++) {
            byte[] image = imagesHWC.get(n);
            if (image.length != size) {
                throw new IllegalArgumentException(
                        "image "
                                + n
                                + " has "
                                + image.length
                                + " bytes; "
                                + channels
                                + "x"
                                + height
                                + "x"
                                + width
                                + " (CxHxW) needs "
                                + size);
            }
            int base = n * size;
            for (int p = 0; p < plane; p++) {
                for (int c = 0; c < channels; c++) {
                    out[base + c * plane + p] = image[p * channels + c];
                }
            }
        }
        return out;
    }
}
