package dev.flowwatch.streams.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class BacklogTrendTest {

    @Test
    void countsIntervalsOfGrowthInARowAndRestartsWhenTheBacklogShrinksOrHolds() {
        BacklogTrend trend = new BacklogTrend();
        assertEquals(0, trend.observe(10));
        assertEquals(1, trend.observe(20));
        assertEquals(2, trend.observe(30));
        assertEquals(0, trend.observe(30));
        assertEquals(1, trend.observe(31));
        assertEquals(0, trend.observe(5));
    }
}
