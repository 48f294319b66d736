package dev.flowwatch.flowpp.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LevelTest {

    @Test
    void negativeCountIsRejectedWithTheValuesGiven() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new Level(3, -1, 4));
        assertEquals(
                "level counts must be >= 0, got 3 checkerboard coupling(s), -1 channel"
                        + " coupling(s), 4 attention head(s)",
                e.getMessage());
    }
}
