package dev.flowwatch.flowpp.bundle;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

class DirectoriesTest {

    @TempDir Path dir;

    @Test
    void deletesATreeWithItsFilesAndSubdirectories() throws IOException {
        Path work = dir.resolve("work");
        Files.createDirectories(work.resolve("training/nested"));
        Files.write(work.resolve("training/weights.bin"), new byte[1024]);
        Files.write(work.resolve("training/nested/state.json"), new byte[] {'{', '}'});
        Files.write(work.resolve("bundle.json"), new byte[] {'{', '}'});

        Directories.deleteRecursively(work);

        assertTrue(Files.notExists(work));
        assertTrue(Files.exists(dir), "only the directory named is deleted");
    }

    @Test
    void aDirectoryThatIsNotThereIsNoError() throws IOException {
        Directories.deleteRecursively(dir.resolve("absent"));
        Directories.deleteQuietly(dir.resolve("absent"));
    }
}
