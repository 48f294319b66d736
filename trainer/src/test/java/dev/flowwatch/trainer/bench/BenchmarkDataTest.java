package dev.flowwatch.trainer.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.flowpp.data.IdxFormat;
import dev.flowwatch.flowpp.data.ImageSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.imageio.ImageIO;

/** The converters of scripts/fetch-datasets.sh, run as the script runs them. */
class BenchmarkDataTest {

    @TempDir Path dir;

    private record Run(int exitCode, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = new CommandLine(new BenchmarkData());
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return new Run(commandLine.execute(args), out.toString(), err.toString());
    }

    @Test
    void uciDigitsBecomeLabelledMnistSizedIdxFiles() throws IOException {
        Path csv = dir.resolve("digits.csv");
        // a 3 and a 9: a column of ink each, at different places
        String three = "0,0,0,16,16,0,0,0,".repeat(8) + "3";
        String nine = "0,0,0,0,0,16,8,0,".repeat(8) + "9";
        Files.writeString(csv, three + "\n" + nine + "\n");
        Path images = dir.resolve("out/uci-digits-images-idx3-ubyte.gz");

        Run run = run("uci-digits", "--csv", csv.toString(), "--out", images.toString());

        assertEquals(0, run.exitCode(), run.out());
        assertTrue(run.out().contains("2 images of 28×28"), run.out());
        assertTrue(Files.isRegularFile(dir.resolve("out/uci-digits-labels-idx1-ubyte.gz")));
        ImageSet digits = IdxFormat.read(images);
        assertEquals(2, digits.size());
        assertEquals(28, digits.height());
        assertEquals(3, digits.label(0));
        assertEquals(9, digits.label(1));
        // both columns of ink end up in the middle of the canvas
        assertEquals(255, digits.pixel(0, 0, 14, 14));
        assertTrue(digits.pixel(1, 0, 14, 14) > 0);
    }

    @Test
    void photoCropsAreWrittenWithThePhotographAsLabel() throws IOException {
        BufferedImage photo = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 48; y++) {
            for (int x = 0; x < 64; x++) {
                photo.setRGB(x, y, (x * 4) << 16 | (y * 5) << 8 | 90);
            }
        }
        Path file = dir.resolve("photo.jpg");
        ImageIO.write(photo, "jpeg", file.toFile());
        Path images = dir.resolve("photo-crops-images-idx3-ubyte.gz");

        Run run =
                run(
                        "photo-crops",
                        "--count",
                        "30",
                        "--side",
                        "16",
                        "--seed",
                        "4",
                        "--out",
                        images.toString(),
                        file.toString(),
                        file.toString());

        assertEquals(0, run.exitCode(), run.out());
        ImageSet crops = IdxFormat.read(images);
        assertEquals(30, crops.size());
        assertEquals(16, crops.height());
        assertEquals(16, crops.width());
        for (int n = 0; n < crops.size(); n++) {
            assertTrue(crops.label(n) == 0 || crops.label(n) == 1);
            // the photograph brightens to the right: so does every crop
            assertTrue(crops.pixel(n, 0, 8, 15) > crops.pixel(n, 0, 8, 0), "crop " + n);
        }
    }

    @Test
    void aMissingPhotographIsAFailureNamingIt() {
        Path missing = dir.resolve("missing.png");
        Run run =
                run(
                        "photo-crops",
                        "--out",
                        dir.resolve("x-images-idx3-ubyte.gz").toString(),
                        missing.toString());
        assertEquals(1, run.exitCode());
        assertTrue(run.err().contains(missing.toString()), run.err());
    }
}
