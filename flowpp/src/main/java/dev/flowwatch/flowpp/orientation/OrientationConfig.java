package dev.flowwatch.flowpp.orientation;

/**
 * The architecture of an {@link OrientationNet}: the images it takes and its width.
 *
 * @param channels image channels
 * @param height image height; equal to the width, since a quarter turn must keep the shape
 * @param width image width
 * @param hidden channels of the first block; the second block and the last convolution have twice
 *     as many
 */
public record OrientationConfig(int channels, int height, int width, int hidden) {

    /**
     * The width of the bundled model's network: 26 000 weights, 5 million multiply-adds per 28×28
     * image, 4 % of the small flow's time per batch on a 2-core CPU. Twice as wide cost four times
     * as much and, trained a third as long, told the turns apart less well (README, "Results:
     * streaming").
     */
    public static final int DEFAULT_HIDDEN = 16;

    /**
     * @throws IllegalArgumentException for images that are not square, smaller than 4×4 (two
     *     poolings), or a width below 1
     */
    public OrientationConfig {
        if (height != width) {
            throw new IllegalArgumentException(
                    "the orientation network turns images by quarter turns, so they must be"
                            + " square; these are %dx%d (HxW)".formatted(height, width));
        }
        if (channels < 1 || height < 4 || hidden < 1) {
            throw new IllegalArgumentException(
                    "the orientation network needs at least one channel, images of at least 4x4"
                            + " and a width of at least 1; got %d channels, %dx%d, width %d"
                                    .formatted(channels, height, width, hidden));
        }
    }
}
