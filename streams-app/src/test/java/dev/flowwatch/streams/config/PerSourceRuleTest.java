package dev.flowwatch.streams.config;

import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class PerSourceRuleTest {

    @Test
    void ruleNeedsOneToKToNToSixtyFour() {
        for (int[] kn : new int[][] {{0, 1}, {3, 2}, {1, 65}}) {
            assertThrows(IllegalArgumentException.class, () -> new PerSourceRule(kn[0], kn[1]));
        }
    }
}
