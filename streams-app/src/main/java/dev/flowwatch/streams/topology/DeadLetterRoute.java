package dev.flowwatch.streams.topology;

import dev.flowwatch.streams.metrics.FlowwatchMetrics;

import java.util.Map;

/**
 * Where Kafka Streams' exception handlers send and count dead letters. Kafka creates the handlers
 * from their class names and hands them the Streams configuration, so the route travels in it under
 * {@link #CONFIG}.
 */
public record DeadLetterRoute(String topic, DeadLetters letters, FlowwatchMetrics metrics) {

    public static final String CONFIG = "flowwatch.dead.letter.route";

    /** The route in the configuration a handler was given. */
    static DeadLetterRoute from(Map<String, ?> configs) {
        Object route = configs.get(CONFIG);
        if (!(route instanceof DeadLetterRoute r)) {
            throw new IllegalStateException(
                    CONFIG + " is missing from the Streams configuration: build it with"
                            + " FlowwatchTopology.streamsProperties");
        }
        return r;
    }
}
