package dev.flowwatch.flowpp.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import javax.imageio.ImageIO;

class ImageSetsTest {

    @TempDir Path dir;

    @Test
    void directoryLoadsAsImageFolder() throws IOException {
        ImageIO.write(
                new BufferedImage(5, 4, BufferedImage.TYPE_BYTE_GRAY),
                "png",
                dir.resolve("a.png").toFile());
        ImageSet set = ImageSets.load(dir);
        assertEquals(1, set.size());
        assertEquals(5, set.width());
    }

    @Test
    void regularFileLoadsAsIdx() throws IOException {
        Path images = dir.resolve("x-images-idx3-ubyte.gz");
        IdxFormat.write(images, ImageSet.of(new byte[24], 1, 3, 4, new int[] {1, 2}, "two"));
        ImageSet set = ImageSets.load(images);
        assertEquals(2, set.size());
        assertEquals(2, set.label(1));
    }

    @Test
    void missingPathErrorNamesIt() {
        Path missing = dir.resolve("nowhere");
        NoSuchFileException e =
                assertThrows(NoSuchFileException.class, () -> ImageSets.load(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }
}
