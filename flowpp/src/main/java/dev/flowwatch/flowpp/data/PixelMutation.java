package dev.flowwatch.flowpp.data;

import java.util.Random;

/**
 * Random pixel replacement for background models (Ren et al., NeurIPS 2019, "Likelihood Ratios for
 * Out-of-Distribution Detection"): each value is, with probability {@code rate}, replaced by one of
 * the 256 levels drawn uniformly. A model of such images learns the population statistics (how
 * smooth, how dark) but not the semantics, so the ratio of the two likelihoods cancels the former.
 */
public final class PixelMutation {

    private PixelMutation() {}

    /**
     * A copy of {@code images} with a share {@code rate} (in [0, 1]) of the values replaced; the
     * same seed always gives the same copy.
     */
    public static ImageSet apply(ImageSet images, double rate, long seed) {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException("mutation rate must lie in [0, 1], got " + rate);
        }
        byte[] pixels = images.pixels(0, images.size());
        Random random = new Random(seed);
        for (int i = 0; i < pixels.length; i++) {
            if (random.nextDouble() < rate) {
                pixels[i] = (byte) random.nextInt(256);
            }
        }
        return ImageSet.wrap(
                pixels,
                images.channels(),
                images.height(),
                images.width(),
                null,
                "%s mutated at rate %s".formatted(images.description(), rate));
    }
}
