package dev.flowwatch.flowpp.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import javax.imageio.ImageIO;
import javax.imageio.stream.ImageInputStream;

/**
 * Reads a folder of PNG and JPEG images (found recursively, by a case-insensitive {@code .png},
 * {@code .jpg} or {@code .jpeg} extension; other files are ignored) into an {@link ImageSet}.
 *
 * <ul>
 *   <li>Order: sorted by path, so the same folder always gives the same set.
 *   <li>Shape: every image must have the size of the first.
 *   <li>Channels: 1 when every image is grey, else 3; grey images are then repeated into R, G and
 *       B. Each image is read as {@link ImageDecoder} reads it for the scorer: palettes of greys
 *       are grey, opaque alpha is dropped, transparency, CMYK and damaged data are refused.
 *   <li>Labels: when every image lies inside a subfolder, an image's label is the index, in sorted
 *       order, of the top-level subfolder that holds it (as torchvision's {@code ImageFolder}
 *       does); when none does, the set is unlabelled; a mix is an error.
 * </ul>
 */
public final class ImageFolder {

    private static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg");

    private ImageFolder() {}

    /**
     * Reads all images under {@code folder}.
     *
     * @throws IOException naming the path when the folder is missing or holds no images, an image
     *     cannot be decoded, sizes differ, or images lie both in the folder itself and in
     *     subfolders
     */
    public static ImageSet read(Path folder) throws IOException {
        return read(folder, Integer.MAX_VALUE);
    }

    /**
     * Reads the first {@code limit} images under {@code folder} in its order (all when there are
     * fewer), decoding no other; labels still number every class folder, so that they agree with
     * the whole folder's.
     */
    public static ImageSet read(Path folder, int limit) throws IOException {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive, got " + limit);
        }
        if (!Files.isDirectory(folder)) {
            throw new IOException(folder + ": not a directory");
        }
        List<Path> all = imageFiles(folder);
        if (all.isEmpty()) {
            throw new IOException(folder + ": no PNG or JPEG images found (looked recursively)");
        }
        int[] allLabels = labels(folder, all);
        List<Path> files = all.subList(0, Math.min(limit, all.size()));
        int[] labels = allLabels == null ? null : Arrays.copyOf(allLabels, files.size());

        List<Decoded> decoded = new ArrayList<>(files.size());
        Decoded first = null;
        for (Path file : files) {
            Decoded image = decode(file);
            if (first == null) {
                first = image;
            } else if (image.width() != first.width() || image.height() != first.height()) {
                throw new IOException(
                        "%s is %d×%d but %s, the first image, is %d×%d; all images must have the same size"
                                .formatted(
                                        file,
                                        image.width(),
                                        image.height(),
                                        first.file(),
                                        first.width(),
                                        first.height()));
            }
            decoded.add(image);
        }

        boolean allGray = decoded.stream().allMatch(image -> image.channels() == 1);
        int channels = allGray ? 1 : 3;
        int plane = first.height() * first.width();
        byte[] pixels = new byte[decoded.size() * channels * plane];
        for (int i = 0; i < decoded.size(); i++) {
            Decoded image = decoded.get(i);
            int offset = i * channels * plane;
            for (int c = 0; c < channels; c++) {
                // A grayscale image in a colour set gives its single plane to R, G and B alike.
                int source = image.channels() == 1 ? 0 : c;
                System.arraycopy(image.pixels(), source * plane, pixels, offset + c * plane, plane);
            }
        }
        return ImageSet.wrap(
                pixels,
                channels,
                first.height(),
                first.width(),
                labels,
                folder + ImageSet.cut(files.size(), all.size()));
    }

    private static List<Path> imageFiles(Path folder) throws IOException {
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(Files::isRegularFile).filter(ImageFolder::isImage).sorted().toList();
        }
    }

    private static boolean isImage(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot >= 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    private static int[] labels(Path folder, List<Path> files) throws IOException {
        List<Path> atTop =
                files.stream().filter(f -> folder.relativize(f).getNameCount() == 1).toList();
        if (atTop.size() == files.size()) {
            return null;
        }
        if (!atTop.isEmpty()) {
            throw new IOException(
                    "%s: images lie both in the folder itself (e.g. %s) and in subfolders; put every image"
                                    .formatted(folder, atTop.get(0).getFileName())
                            + " in a class subfolder, or none");
        }
        TreeSet<String> classes = new TreeSet<>();
        files.forEach(f -> classes.add(className(folder, f)));
        List<String> sorted = List.copyOf(classes);
        int[] labels = new int[files.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = sorted.indexOf(className(folder, files.get(i)));
        }
        return labels;
    }

    private static String className(Path folder, Path file) {
        return folder.relativize(file).getName(0).toString();
    }

    /** One image's pixels in C, H, W order with 1 (gray) or 3 (RGB) channels. */
    record Decoded(Path file, int channels, int height, int width, byte[] pixels) {}

    /**
     * One PNG or JPEG image, by the decoder its extension names, read as {@link ImageDecoder} reads
     * it for the scorer.
     *
     * @throws IOException naming the file when it cannot be read or is refused
     */
    static Decoded decode(Path file) throws IOException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        ImageDecoder.Format format =
                name.endsWith(".png") ? ImageDecoder.Format.PNG : ImageDecoder.Format.JPEG;
        try (ImageInputStream input = ImageIO.createImageInputStream(file.toFile());
                ImageDecoder decoder = ImageDecoder.open(input, format)) {
            ImageDecoder.Header header = decoder.header();
            return new Decoded(
                    file,
                    header.channels(),
                    header.height(),
                    header.width(),
                    Pixels.toPlanar(
                            List.of(decoder.pixels()),
                            header.channels(),
                            header.height(),
                            header.width()));
        } catch (RefusedImageException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }
}
