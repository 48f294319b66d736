package dev.flowwatch.streams.demo;

/**
 * Counts the summary intervals in a row in which the backlog grew: a backlog that grows once is a
 * batch in flight, one that keeps growing is a replay faster than the app can score.
 */
final class BacklogTrend {

    /** Intervals of growth in a row that batching alone explains; more is a warning. */
    static final int FEW = 3;

    private long previous = Long.MIN_VALUE;
    private int growing;

    /** Records this interval's backlog; the intervals in a row it has grown, this one included. */
    int observe(long backlog) {
        growing = backlog > previous && previous != Long.MIN_VALUE ? growing + 1 : 0;
        previous = backlog;
        return growing;
    }
}
