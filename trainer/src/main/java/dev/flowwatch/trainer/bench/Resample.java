package dev.flowwatch.trainer.bench;

import dev.flowwatch.flowpp.data.ImageSet;

/**
 * Fits grey images to another shape for benchmarks: nearest-neighbour resampling to H×W and the grey
 * value copied into every channel.
 */
final class Resample {

    private Resample() {}

    static ImageSet to(ImageSet source, int channels, int height, int width, int count) {
        if (source.channels() != 1) {
            throw new IllegalArgumentException("benchmark data must be grey, got " + source);
        }
        byte[] pixels = new byte[count * channels * height * width];
        int i = 0;
        for (int n = 0; n < count; n++) {
            int image = n % source.size();
            for (int c = 0; c < channels; c++) {
                for (int y = 0; y < height; y++) {
                    for (int x = 0; x < width; x++) {
                        int sy = y * source.height() / height;
                        int sx = x * source.width() / width;
                        pixels[i++] = (byte) source.pixel(image, 0, sy, sx);
                    }
                }
            }
        }
        return ImageSet.of(
                pixels,
                channels,
                height,
                width,
                null,
                source.description() + " resampled to " + channels + "x" + height + "x" + width);
    }
}
