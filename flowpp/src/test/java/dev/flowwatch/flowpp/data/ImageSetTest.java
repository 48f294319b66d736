package dev.flowwatch.flowpp.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

class ImageSetTest {

    /** Ten 2×2×3 images; image i holds the values 12i .. 12i+11 and has label i. */
    private static ImageSet tenImages() {
        byte[] pixels = new byte[10 * 12];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i + 100);
        }
        int[] labels = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        return ImageSet.of(pixels, 2, 2, 3, labels, "ten");
    }

    @Test
    void shapeComesFromConstructorAndPixelCount() {
        ImageSet set = tenImages();
        assertEquals(10, set.size());
        assertEquals(2, set.channels());
        assertEquals(2, set.height());
        assertEquals(3, set.width());
        assertEquals(12, set.dimensions());
    }

    @Test
    void pixelIndexesInNchwOrderAsUnsigned() {
        ImageSet set = tenImages();
        // image 1, channel 1, row 1, column 2 is flat index 12 + 6 + 3 + 2 = 23, value 123.
        assertEquals(123, set.pixel(1, 1, 1, 2));
        // 9 * 12 + 11 + 100 = 219: above 127, so it must come back unsigned.
        assertEquals(219, set.pixel(9, 1, 1, 2));
    }

    @Test
    void toFloatsCopiesTheRequestedImagesAsPixelValues() {
        float[] floats = tenImages().toFloats(2, 4);
        assertEquals(24, floats.length);
        assertEquals(124f, floats[0]);
        assertEquals(147f, floats[23]);
    }

    @Test
    void ofCopiesItsArraysSoLaterChangesDoNotLeakIn() {
        byte[] pixels = new byte[4];
        int[] labels = {7};
        ImageSet set = ImageSet.of(pixels, 1, 2, 2, labels, "copy");
        pixels[0] = 9;
        labels[0] = 3;
        assertEquals(0, set.pixel(0, 0, 0, 0));
        assertEquals(7, set.label(0));
    }

    @Test
    void fromFloatsRoundsAndClampsToBytes() {
        ImageSet set = ImageSet.fromFloats(new float[] {-3f, 12.6f, 300f, Float.NaN}, 1, 2, 2, "s");
        assertEquals(0, set.pixel(0, 0, 0, 0));
        assertEquals(13, set.pixel(0, 0, 0, 1));
        assertEquals(255, set.pixel(0, 0, 1, 0));
        assertEquals(0, set.pixel(0, 0, 1, 1));
        assertFalse(set.hasLabels());
    }

    @Test
    void sliceKeepsOrderAndLabels() {
        ImageSet slice = tenImages().slice(3, 6);
        assertEquals(3, slice.size());
        assertEquals(3, slice.label(0));
        assertEquals(5, slice.label(2));
        assertEquals(100 + 3 * 12, slice.pixel(0, 0, 0, 0));
    }

    @Test
    void selectGathersImagesInTheGivenOrder() {
        ImageSet selected = tenImages().select(new int[] {8, 1, 8});
        assertEquals(3, selected.size());
        assertEquals(8, selected.label(0));
        assertEquals(1, selected.label(1));
        assertEquals(100 + 8 * 12, selected.pixel(2, 0, 0, 0));
    }

    @Test
    void limitTruncatesOrReturnsTheSetWhenAlreadySmall() {
        ImageSet set = tenImages();
        assertEquals(4, set.limit(4).size());
        assertSame(set, set.limit(20));
    }

    @Test
    void splitIsDeterministicForASeed() {
        ImageSet set = tenImages();
        ImageSet.Split a = set.split(0.3, 42);
        ImageSet.Split b = set.split(0.3, 42);
        assertArrayEquals(labelsOf(a.train()), labelsOf(b.train()));
        assertArrayEquals(labelsOf(a.validation()), labelsOf(b.validation()));
    }

    @Test
    void aSampleIsSeededAndDrawnFromTheWholeSetNotItsFirstImages() {
        ImageSet set = tenImages();
        int[] sample = labelsOf(set.sample(4, 3));
        assertArrayEquals(sample, labelsOf(set.sample(4, 3)));
        assertEquals(4, Arrays.stream(sample).distinct().count());
        assertTrue(Arrays.stream(sample).anyMatch(label -> label >= 4), Arrays.toString(sample));
        int[] all = labelsOf(set.sample(20, 3));
        assertArrayEquals(
                new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, Arrays.stream(all).sorted().toArray());
    }

    @Test
    void splitPartsAreDisjointAndCoverEveryImage() {
        ImageSet.Split split = tenImages().split(0.3, 7);
        assertEquals(7, split.train().size());
        assertEquals(3, split.validation().size());
        Set<Integer> seen = new HashSet<>();
        for (int label : labelsOf(split.train())) {
            assertTrue(seen.add(label));
        }
        for (int label : labelsOf(split.validation())) {
            assertTrue(seen.add(label), "image " + label + " is in both parts");
        }
        assertEquals(10, seen.size());
    }

    @Test
    void differentSeedsGiveDifferentSplits() {
        ImageSet set = tenImages();
        assertNotEquals(
                Arrays.toString(labelsOf(set.split(0.5, 1).validation())),
                Arrays.toString(labelsOf(set.split(0.5, 2).validation())));
    }

    @Test
    void splitRejectsFractionsThatLeaveAPartEmpty() {
        ImageSet set = tenImages();
        assertThrows(IllegalArgumentException.class, () -> set.split(0, 1));
        assertThrows(IllegalArgumentException.class, () -> set.split(1, 1));
        IllegalArgumentException tooSmall =
                assertThrows(IllegalArgumentException.class, () -> set.split(0.01, 1));
        assertTrue(tooSmall.getMessage().contains("empty"), tooSmall.getMessage());
    }

    @Test
    void invalidShapesAndRangesAreRejectedWithTheReason() {
        IllegalArgumentException ragged =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> ImageSet.of(new byte[10], 1, 2, 2, null, "ragged"));
        assertTrue(ragged.getMessage().contains("not a multiple"), ragged.getMessage());
        IllegalArgumentException labels =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> ImageSet.of(new byte[8], 1, 2, 2, new int[3], "labels"));
        assertTrue(
                labels.getMessage().contains("3 labels given for 2 images"), labels.getMessage());
        IndexOutOfBoundsException range =
                assertThrows(IndexOutOfBoundsException.class, () -> tenImages().slice(5, 11));
        assertTrue(range.getMessage().contains("[5, 11)"), range.getMessage());
    }

    @Test
    void labelOfAnUnlabelledSetSaysSo() {
        ImageSet set = ImageSet.of(new byte[4], 1, 2, 2, null, "plain");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> set.label(0));
        assertTrue(e.getMessage().contains("no labels"), e.getMessage());
    }

    static int[] labelsOf(ImageSet set) {
        int[] labels = new int[set.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = set.label(i);
        }
        return labels;
    }
}
