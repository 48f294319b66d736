package dev.flowwatch.flowpp.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FixedPointTest {

    @Test
    void valuesComeBackWithinHalfAStepAndTheLargestExactly() {
        float[][] rows = {{0.5f, -3.25f, 1e-4f}, {3.3f, 0, -0.7f}};
        double step = FixedPoint.step(rows);
        assertEquals(3.3f / (double) Short.MAX_VALUE, step, 1e-15);
        float[] back = FixedPoint.decode(FixedPoint.encode(rows, step), step, 6, "test");
        for (int i = 0; i < back.length; i++) {
            assertEquals(rows[i / 3][i % 3], back[i], step / 2 + 1e-7);
        }
        assertEquals(3.3f, back[3], 1e-6f);
    }

    @Test
    void aValueBeyondTheLevelsOrStoredValuesOfAnotherCountAreRefused() {
        float[][] rows = {{1, 2}};
        double step = FixedPoint.step(rows);
        IllegalArgumentException beyond =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> FixedPoint.encode(new float[][] {{3}}, step));
        assertTrue(beyond.getMessage().contains("16-bit"), beyond.getMessage());
        String stored = FixedPoint.encode(rows, step);
        IllegalArgumentException count =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> FixedPoint.decode(stored, step, 3, "the set"));
        assertTrue(count.getMessage().contains("the set"), count.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FixedPoint.decode("%%", step, 2, "x"));
        assertThrows(IllegalArgumentException.class, () -> FixedPoint.decode(stored, 0, 2, "x"));
    }
}
