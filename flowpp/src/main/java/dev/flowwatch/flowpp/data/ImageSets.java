package dev.flowwatch.flowpp.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Loads an {@link ImageSet} from whatever a path points at. */
public final class ImageSets {

    private ImageSets() {}

    /**
     * Loads a directory with {@link ImageFolder} and a regular file (an images file, whose labels
     * file is picked up beside it) with {@link IdxFormat}.
     *
     * @throws NoSuchFileException naming the path when nothing exists there
     */
    public static ImageSet load(Path path) throws IOException {
        return load(path, Integer.MAX_VALUE);
    }

    /**
     * Loads the first {@code limit} images (all when there are fewer), reading no more of the files
     * than that takes: a folder's first images in its order, an IDX file's first records.
     */
    public static ImageSet load(Path path, int limit) throws IOException {
        if (Files.isDirectory(path)) {
            return ImageFolder.read(path, limit);
        }
        if (Files.isRegularFile(path)) {
            return IdxFormat.read(path, limit);
        }
        throw new NoSuchFileException(
                path.toString(), null, "no image folder or IDX images file at this path");
    }
}
