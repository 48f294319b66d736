package dev.flowwatch.streams.config;

/**
 * The per-source alert rule, {@code alert.per-source.k} of {@code alert.per-source.n}: an anomaly
 * raises an alert only when at least k of the last n events of its source were anomalous. 1 of 1
 * alerts on every anomaly. Valid by construction, so the alerting step needs no check of its own.
 */
public record PerSourceRule(int k, int n) {

    /** Longest window: the alerting step keeps each source's window in one 64-bit mask. */
    public static final int MAX_WINDOW = Long.SIZE;

    public PerSourceRule {
        if (k < 1 || n > MAX_WINDOW) {
            throw new InvalidConfigException(
                    "alert.per-source.k="
                            + k
                            + ", alert.per-source.n="
                            + n
                            + ": must be 1 <= k <= n <= "
                            + MAX_WINDOW);
        }
        if (k > n) {
            throw new InvalidConfigException(
                    "alert.per-source.k="
                            + k
                            + " exceeds alert.per-source.n="
                            + n
                            + ": k anomalies must fit in the last n events");
        }
    }
}
