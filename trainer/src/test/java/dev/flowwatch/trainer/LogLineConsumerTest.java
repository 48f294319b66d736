package dev.flowwatch.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

class LogLineConsumerTest {

    private long now;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final LogLineConsumer log =
            new LogLineConsumer(
                    new PrintStream(bytes, true, StandardCharsets.UTF_8),
                    Duration.ofSeconds(30),
                    () -> now);

    private void at(int seconds, String frame) {
        now = Duration.ofSeconds(seconds).toNanos();
        log.accept(frame);
    }

    @Test
    void aLineAtMostEveryIntervalAndTheLastStateOnClose() {
        at(0, "train   0% 0/100\r");
        at(10, "train  10% 10/100");
        at(31, "train  31% 31/100");
        at(40, "train  40% 40/100");
        at(45, "train  45% 45/100");
        log.close();
        assertEquals(
                List.of("train   0% 0/100", "train  31% 31/100", "train  45% 45/100"),
                bytes.toString(StandardCharsets.UTF_8).lines().toList());
    }

    @Test
    void nothingIsPrintedTwiceOnClose() {
        at(0, "score 100% 64/64");
        log.close();
        assertEquals(
                List.of("score 100% 64/64"),
                bytes.toString(StandardCharsets.UTF_8).lines().toList());
    }
}
