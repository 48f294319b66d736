package dev.flowwatch.flowpp.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;

/** The committed sample under data/sample loads through the public entry point, labels and all. */
class SampleDataTest {

    private static final Path SAMPLE = Path.of("..", "data", "sample");

    @Test
    void fashionMnistTestSampleHas6000LabelledImages() throws IOException {
        assertLabelledDigits("fashion-mnist-test-images-idx3-ubyte.gz", 6000);
    }

    @Test
    void fashionMnistTrainSampleHas6000LabelledImages() throws IOException {
        assertLabelledDigits("fashion-mnist-train-images-idx3-ubyte.gz", 6000);
    }

    @Test
    void mnistSampleHas100DigitsOfEachClass() throws IOException {
        ImageSet set = assertLabelledDigits("mnist-images-idx3-ubyte.gz", 1000);
        int[] perClass = new int[10];
        for (int i = 0; i < set.size(); i++) {
            perClass[set.label(i)]++;
        }
        for (int count : perClass) {
            assertEquals(100, count);
        }
    }

    private static ImageSet assertLabelledDigits(String imagesFile, int expectedSize)
            throws IOException {
        ImageSet set = ImageSets.load(SAMPLE.resolve(imagesFile));
        assertEquals(expectedSize, set.size());
        assertEquals(1, set.channels());
        assertEquals(28, set.height());
        assertEquals(28, set.width());
        assertTrue(set.hasLabels());
        int maximum = 0;
        for (int i = 0; i < set.size(); i++) {
            assertTrue(set.label(i) >= 0 && set.label(i) <= 9, "label " + set.label(i));
            maximum = Math.max(maximum, set.pixel(i, 0, 14, 14));
        }
        // Images with only zeros would mean the pixel data was lost on the way.
        assertTrue(maximum > 200, "brightest centre pixel is " + maximum);
        return set;
    }
}
