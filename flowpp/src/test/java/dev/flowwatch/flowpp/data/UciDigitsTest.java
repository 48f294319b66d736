package dev.flowwatch.flowpp.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeSet;
import java.util.zip.GZIPOutputStream;

class UciDigitsTest {

    @TempDir Path dir;

    /** A "1": a bar of full ink in columns 3 and 4 of rows 1 to 6, half ink beside it. */
    private static int[][] one() {
        int[][] digit = new int[8][8];
        for (int y = 1; y <= 6; y++) {
            digit[y][3] = 16;
            digit[y][4] = 16;
            digit[y][2] = 8;
        }
        return digit;
    }

    /** A blob off the centre: rows 1 to 3, columns 4 to 6. */
    private static int[][] blob() {
        int[][] digit = new int[8][8];
        for (int y = 1; y <= 3; y++) {
            for (int x = 4; x <= 6; x++) {
                digit[y][x] = 12;
            }
        }
        return digit;
    }

    /** The digits as scikit-learn's digits.csv.gz has them: 64 levels and the label per line. */
    private Path csv(int[][][] digits, int[] labels) throws IOException {
        StringBuilder text = new StringBuilder();
        for (int n = 0; n < digits.length; n++) {
            StringJoiner line = new StringJoiner(",");
            for (int[] row : digits[n]) {
                for (int level : row) {
                    line.add(Integer.toString(level));
                }
            }
            line.add(Integer.toString(labels[n]));
            text.append(line).append('\n');
        }
        Path file = dir.resolve("digits.csv.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(text.toString().getBytes(StandardCharsets.US_ASCII));
        }
        return file;
    }

    @Test
    void everyLineBecomesA28x28ImageWithItsLabel() throws IOException {
        ImageSet digits = UciDigits.read(csv(new int[][][] {one(), blob()}, new int[] {1, 7}));
        assertEquals(2, digits.size());
        assertEquals(1, digits.channels());
        assertEquals(28, digits.height());
        assertEquals(28, digits.width());
        assertEquals(1, digits.label(0));
        assertEquals(7, digits.label(1));
    }

    @Test
    void digitsAreCentredByTheirMassAsMnistIs() throws IOException {
        ImageSet digits = UciDigits.read(csv(new int[][][] {one(), blob()}, new int[] {1, 7}));
        for (int n = 0; n < 2; n++) {
            double mass = 0;
            double row = 0;
            double column = 0;
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    int v = digits.pixel(n, 0, y, x);
                    mass += v;
                    row += v * y;
                    column += v * x;
                }
            }
            // the shift is rounded to whole pixels: within half a pixel of the centre, 13.5
            assertEquals(13.5, row / mass, 0.5 + 1e-3, "digit " + n + " row");
            assertEquals(13.5, column / mass, 0.5 + 1e-3, "digit " + n + " column");
        }
    }

    @Test
    void inkIsStretchedToFullWhiteAndSmoothedInsideTheBox() throws IOException {
        ImageSet digits = UciDigits.read(csv(new int[][][] {one()}, new int[] {1}));
        Set<Integer> levels = new TreeSet<>();
        int inkedRows = 0;
        for (int y = 0; y < 28; y++) {
            boolean inked = false;
            for (int x = 0; x < 28; x++) {
                levels.add(digits.pixel(0, 0, y, x));
                inked |= digits.pixel(0, 0, y, x) > 0;
            }
            inkedRows += inked ? 1 : 0;
        }
        assertTrue(levels.contains(0), "black background");
        assertTrue(levels.contains(255), "full ink is white: " + levels);
        assertTrue(levels.size() > 8, "bilinear edges give intermediate levels: " + levels);
        // source rows 1..6 inked: box row y samples row (y + 0.5)·8/20 − 0.5, which lies strictly
        // between the blank rows 0 and 7 for y = 1..18
        assertEquals(18, inkedRows);
    }

    @Test
    void aShortLineIsRefusedNamingTheFileAndLine() throws IOException {
        Path file = dir.resolve("digits.csv");
        Files.writeString(file, "0,".repeat(64) + "3\n" + "0,1,2\n");
        IOException e = assertThrows(IOException.class, () -> UciDigits.read(file));
        assertTrue(e.getMessage().contains(file + " line 2: 3 values"), e.getMessage());
    }

    @Test
    void aLevelAboveSixteenIsRefused() throws IOException {
        Path file = dir.resolve("digits.csv");
        Files.writeString(file, "17," + "0,".repeat(63) + "3\n");
        IOException e = assertThrows(IOException.class, () -> UciDigits.read(file));
        assertTrue(e.getMessage().contains("outside 0..16"), e.getMessage());
    }
}
