package dev.flowwatch.streams.demo;

import java.util.Arrays;
import java.util.Optional;

/**
 * What a demo event is. The event id starts with the kind's prefix, so anything downstream that
 * sees only an id (a score, an alert) can tell whether it was an injected anomaly.
 */
public enum TrafficKind {
    NORMAL("fmnist", Category.NORMAL),
    MNIST("anomaly-mnist", Category.ANOMALY),
    NOISE("anomaly-noise", Category.ANOMALY),
    INVERTED("anomaly-inverted", Category.ANOMALY),
    OCCLUDED("anomaly-occluded", Category.ANOMALY),
    BLURRED("anomaly-blurred", Category.ANOMALY),
    GARBAGE("malformed-garbage", Category.MALFORMED),
    WRONG_SHAPE("malformed-wrong-shape", Category.MALFORMED);

    /**
     * Normal traffic, an injected anomaly the model should flag, or a record the app must reject.
     */
    public enum Category {
        NORMAL,
        ANOMALY,
        MALFORMED
    }

    private final String prefix;
    private final Category category;

    TrafficKind(String prefix, Category category) {
        this.prefix = prefix;
        this.category = category;
    }

    public String prefix() {
        return prefix;
    }

    public Category category() {
        return category;
    }

    /** The short name used in the {@code injected} attribute and in summaries, e.g. "noise". */
    public String label() {
        return prefix.substring(prefix.indexOf('-') + 1);
    }

    /** The kind whose prefix starts this id; empty for ids not made by {@link DemoTraffic}. */
    public static Optional<TrafficKind> ofEventId(String eventId) {
        // the longest matching prefix wins, although no prefix is a prefix of another today
        return Arrays.stream(values())
                .filter(k -> eventId.startsWith(k.prefix + "-"))
                .max((a, b) -> Integer.compare(a.prefix.length(), b.prefix.length()));
    }
}
