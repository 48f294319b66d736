package dev.flowwatch.streams.engine;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Scores a batch and, when the forward pass fails, finds out which of its events cannot be scored,
 * so that one bad event or batch costs a few retries and a dead letter instead of the stream.
 *
 * <p>A failure is blamed on the batch only while the model still scores a known-good image (a blank
 * one, as at warm-up): then the batch is split in halves and each is scored on its own,
 * recursively, so the good events of a batch with one bad event are still scored; a single event
 * that fails {@code maxAttempts} passes is given up. A failure the known-good image shares in
 * {@code maxAttempts} tries (engine closed, device lost, model broken for every input) is systemic
 * and is rethrown: retrying would only turn every event into a dead letter, while a restart may
 * bring the model back.
 */
public final class FaultIsolatingScorer {

    private static final Logger LOG = LoggerFactory.getLogger(FaultIsolatingScorer.class);

    private static final long FIRST_PAUSE_MS = 100;

    /** What became of one event of the batch. */
    public sealed interface Outcome permits Scored, Failed {}

    /** The event's bounds and score are row {@code index} of {@code batch}. */
    public record Scored(ScoredBatch batch, int index) implements Outcome {}

    /** The event failed {@code attempts} forward passes on its own; {@code detail} is the last. */
    public record Failed(int attempts, String detail) implements Outcome {}

    /**
     * @param outcomes one per image, in the batch's order
     * @param failedPasses forward passes that failed on the way (for metrics)
     */
    public record Result(List<Outcome> outcomes, int failedPasses) {}

    private final BatchScorer scorer;
    private final byte[] knownGood;
    private final int maxAttempts;

    /**
     * @param imageBytes bytes of one image of the model's shape
     * @param maxAttempts forward passes a single event gets before it is given up (at least 1)
     */
    public FaultIsolatingScorer(BatchScorer scorer, int imageBytes, int maxAttempts) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1: " + maxAttempts);
        }
        this.scorer = scorer;
        this.knownGood = new byte[imageBytes];
        this.maxAttempts = maxAttempts;
    }

    /**
     * @throws ScoringException if the model fails on the known-good image too
     */
    public Result score(List<byte[]> imagesHWC) {
        Outcome[] outcomes = new Outcome[imagesHWC.size()];
        int failed = score(imagesHWC, 0, outcomes);
        return new Result(List.copyOf(Arrays.asList(outcomes)), failed);
    }

    /** Scores {@code images} into {@code outcomes} from {@code offset}; returns failed passes. */
    private int score(List<byte[]> images, int offset, Outcome[] outcomes) {
        int failed = 0;
        for (int attempt = 1; ; attempt++) {
            try {
                ScoredBatch scores = scorer.score(images);
                for (int i = 0; i < images.size(); i++) {
                    outcomes[offset + i] = new Scored(scores, i);
                }
                return failed;
            } catch (RuntimeException e) {
                // any exception of a pass, not only the engine's: the image's statistics and its
                // conversion run beside the model, and one that always fails would loop for ever
                failed++;
                requireKnownGoodScores(e);
                if (images.size() > 1) {
                    LOG.warn(
                            "A batch of {} failed to score, scoring its halves apart: {}",
                            images.size(),
                            e.getMessage());
                    int half = images.size() / 2;
                    failed += score(new ArrayList<>(images.subList(0, half)), offset, outcomes);
                    failed +=
                            score(
                                    new ArrayList<>(images.subList(half, images.size())),
                                    offset + half,
                                    outcomes);
                    return failed;
                }
                if (attempt >= maxAttempts) {
                    LOG.error(
                            "An event failed to score {} times, giving it up: {}",
                            attempt,
                            e.getMessage());
                    outcomes[offset] = new Failed(attempt, e.getMessage());
                    return failed;
                }
                LOG.warn(
                        "An event failed to score (attempt {} of {}): {}",
                        attempt,
                        maxAttempts,
                        e.getMessage());
            }
        }
    }

    /**
     * Returns once the model scores the known-good image, trying {@code maxAttempts} times with a
     * pause doubling from {@value #FIRST_PAUSE_MS} ms, so that a passing hiccup of the device does
     * not stop the client; else the failure is systemic.
     */
    private void requireKnownGoodScores(RuntimeException batchFailure) {
        RuntimeException last = null;
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            try {
                scorer.score(List.of(knownGood));
                return;
            } catch (RuntimeException e) {
                last = e;
            }
            if (attempt < maxAttempts) {
                pause(FIRST_PAUSE_MS << (attempt - 1), batchFailure);
            }
        }
        last.addSuppressed(batchFailure);
        throw new ScoringException(
                "the model fails on a blank image too ("
                        + maxAttempts
                        + " attempts), so the fault is the model's or the device's, not the"
                        + " batch's: "
                        + last.getMessage(),
                last);
    }

    private static void pause(long millis, RuntimeException batchFailure) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ScoringException("interrupted while checking the model", batchFailure);
        }
    }
}
