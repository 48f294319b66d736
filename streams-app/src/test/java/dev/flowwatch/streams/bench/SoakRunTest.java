package dev.flowwatch.streams.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

class SoakRunTest {

    @TempDir Path dir;

    @Test
    void aShortRunSamplesTheAppsMemoryAndAccountsForEveryEvent() throws Exception {
        ByteArrayOutputStream lines = new ByteArrayOutputStream();
        SoakRun.Figures figures =
                SoakRun.run(
                        dir,
                        null,
                        Duration.ofSeconds(12),
                        10,
                        3,
                        Duration.ofSeconds(3),
                        List.of("-Xms256m", "-Xmx256m"),
                        new PrintStream(lines, true, StandardCharsets.UTF_8));

        assertTrue(figures.tally().exactlyOnce(), figures.json());
        assertTrue(figures.tally().malformedSent() > 0, figures.json());
        assertEquals(4, figures.samples().size(), figures.json());
        // a JVM with a 256 MB heap and PyTorch loaded is resident in far more than 100 MB
        assertTrue(figures.samples().stream().allMatch(s -> s.rssKb() > 100 << 10), figures.json());
        assertTrue(figures.samples().get(3).scored() > figures.samples().get(0).scored());
        assertFalse(Double.isNaN(figures.secondHalfSlopeMbPerHour()), figures.json());
        String printed = lines.toString(StandardCharsets.UTF_8);
        assertEquals(5, printed.lines().count(), printed);
        assertTrue(printed.lines().allMatch(l -> l.startsWith("{") && l.endsWith("}")), printed);
    }

    @Test
    void theSlopeIsTheGrowthOfTheSecondHalfInMegabytesPerHour() {
        // 1 MB a minute from the third sample on; the first two, warming up, grow ten times faster
        List<SoakRun.Sample> samples =
                List.of(
                        new SoakRun.Sample(0, 0, 0, 0),
                        new SoakRun.Sample(60, 10 << 10, 0, 0),
                        new SoakRun.Sample(120, 11 << 10, 0, 0),
                        new SoakRun.Sample(180, 12 << 10, 0, 0));
        SoakRun.Figures figures = new SoakRun.Figures(null, samples, 0);

        assertEquals(60, figures.secondHalfSlopeMbPerHour(), 1e-9);
    }

    @Test
    void aSamplePeriodLongerThanTheRunIsRefused() {
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        SoakRun.run(
                                dir,
                                null,
                                Duration.ofSeconds(1),
                                10,
                                0,
                                Duration.ofSeconds(2),
                                List.of(),
                                System.out));
    }
}
