package dev.flowwatch.trainer.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.flowpp.data.ImageSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

class ScoresCsvTest {

    private static final ImageSet TWO =
            ImageSet.of(new byte[2 * 4], 1, 2, 2, new int[] {7, 3}, "two");

    @TempDir Path dir;

    @Test
    void numbersComeFirstThenWordsEachInTheirMapsOrder() throws IOException {
        Path csv = dir.resolve("scores.csv");
        ScoresCsv.write(
                csv,
                TWO,
                Map.of("dose", new double[] {6.5, 0.1}),
                Map.of("dose_part", new String[] {"blend", "density"}));
        assertEquals(
                List.of("index,label,dose,dose_part", "0,7,6.5,blend", "1,3,0.1,density"),
                Files.readAllLines(csv));
    }

    @Test
    void aWordThatWouldNeedQuotingOrAColumnOfAnotherLengthIsRefused() {
        Path csv = dir.resolve("scores.csv");
        IllegalArgumentException comma =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                ScoresCsv.write(
                                        csv,
                                        TWO,
                                        Map.of(),
                                        Map.of("part", new String[] {"a,b", "c"})));
        assertTrue(comma.getMessage().contains("quoting"), comma.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> ScoresCsv.write(csv, TWO, Map.of("x", new double[] {1}), Map.of()));
        assertTrue(Files.notExists(csv));
    }
}
