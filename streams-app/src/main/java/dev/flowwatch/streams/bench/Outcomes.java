package dev.flowwatch.streams.bench;

import dev.flowwatch.schemas.AnomalyScore;
import dev.flowwatch.schemas.FlowwatchSerdes;
import dev.flowwatch.streams.embedded.EmbeddedKafka;

import org.apache.kafka.common.serialization.Deserializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What became of the events a {@link SteadyProducer} sent, as the app's downstream consumers see
 * it: the committed scores and dead letters, watched from the start of the run. Exactly-once means
 * one score for each valid event, one dead letter for each malformed one, and nothing else.
 */
public final class Outcomes implements AutoCloseable {

    static final String IMAGES = "images";
    static final String SCORES = "anomaly-scores";
    static final String DEAD_LETTERS = "images.dlq";

    private final OutputWatcher scores;
    private final OutputWatcher deadLetters;

    /**
     * Creates the topics the app reads and writes on {@code kafka}, one partition each, and starts
     * watching its outputs.
     *
     * @param timeout how long an await waits for progress before it gives up
     */
    Outcomes(EmbeddedKafka kafka, Duration timeout) {
        // before any consumer subscribes: its metadata request would create them with defaults
        kafka.createTopics(1, List.of(IMAGES, SCORES, "anomaly-alerts", DEAD_LETTERS));
        String bootstrap = kafka.bootstrapServers();
        Deserializer<AnomalyScore> reader = FlowwatchSerdes.anomalyScore().deserializer();
        scores =
                new OutputWatcher(
                        bootstrap,
                        SCORES,
                        r -> reader.deserialize(SCORES, r.value()).getEventId().toString(),
                        timeout);
        // a dead letter keeps the event's key, which is its id
        deadLetters =
                new OutputWatcher(
                        bootstrap,
                        DEAD_LETTERS,
                        r -> new String(r.key(), StandardCharsets.UTF_8),
                        timeout);
    }

    OutputWatcher scores() {
        return scores;
    }

    /**
     * Waits, once the producer has stopped, until every event it sent has come out, or nothing more
     * comes for the timeout; then a while more for duplicates of the last transactions.
     *
     * @return seconds until the last output came, the wait for duplicates not included
     */
    double awaitDrained(SteadyProducer producer, AppChild app) throws InterruptedException {
        long start = System.nanoTime();
        scores.awaitDistinct(producer.valid().size(), app);
        deadLetters.awaitDistinct(producer.malformed().size(), app);
        double seconds = (System.nanoTime() - start) / 1e9;
        Thread.sleep(2_000);
        return seconds;
    }

    /** The tally so far of what {@code producer} sent. */
    Tally tally(SteadyProducer producer) {
        Set<String> valid = producer.valid();
        Set<String> malformed = producer.malformed();
        return new Tally(
                valid.size(),
                malformed.size(),
                scores.total(),
                deadLetters.total(),
                valid.size()
                        - scores.distinctOf(valid)
                        + malformed.size()
                        - deadLetters.distinctOf(malformed),
                scores.duplicatedKeys() + deadLetters.duplicatedKeys(),
                deadLetters.distinctOf(valid) + scores.distinctOf(malformed));
    }

    @Override
    public void close() throws InterruptedException {
        scores.close();
        deadLetters.close();
    }

    /**
     * @param eventsSent valid events the broker acknowledged
     * @param malformedSent malformed events the broker acknowledged
     * @param scored scores committed, duplicates included
     * @param deadLetters dead letters committed, duplicates included
     * @param lost events sent with no output on their topic: valid ones unscored, malformed ones
     *     without a dead letter
     * @param duplicated events with more than one output on their topic
     * @param misrouted events with an output on the other topic: a valid one dead-lettered, a
     *     malformed one scored
     */
    public record Tally(
            long eventsSent,
            long malformedSent,
            long scored,
            long deadLetters,
            long lost,
            long duplicated,
            long misrouted) {

        public boolean exactlyOnce() {
            return lost == 0 && duplicated == 0 && misrouted == 0;
        }

        /** The tally as JSON members, without braces, to go into a line. */
        public String jsonMembers() {
            return String.format(
                    Locale.ROOT,
                    "\"events_sent\":%d,\"malformed_sent\":%d,\"scored\":%d,\"dead_letters\":%d,"
                            + "\"lost\":%d,\"duplicated\":%d,\"misrouted\":%d",
                    eventsSent,
                    malformedSent,
                    scored,
                    deadLetters,
                    lost,
                    duplicated,
                    misrouted);
        }
    }
}
