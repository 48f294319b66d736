package dev.flowwatch.streams.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.flowpp.score.ScoreKind;
import dev.flowwatch.streams.TestModels;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real model, with forward passes that fail on one kind of image the way a model fails on an
 * input it cannot handle (no real model fails on demand).
 */
class FaultIsolatingScorerTest {

    private static final int IMAGE_BYTES = TestModels.SIZE * TestModels.SIZE;

    @TempDir static Path dir;
    static ScoringEngine engine;

    @BeforeAll
    static void loadModel() {
        engine = ScoringEngine.load(TestModels.tinyBundle(dir), "cpu", 0, ScoreKind.BPD, 1);
    }

    @AfterAll
    static void closeModel() {
        engine.close();
    }

    /** An all-white image: the one kind the failing passes below reject. */
    static byte[] poison() {
        byte[] image = new byte[IMAGE_BYTES];
        Arrays.fill(image, (byte) 255);
        return image;
    }

    /** Fails every pass over a batch holding a poison image, scores the rest with the model. */
    static BatchScorer failingOnPoison(AtomicInteger passes) {
        return images -> {
            passes.incrementAndGet();
            if (images.stream().anyMatch(i -> Arrays.equals(i, poison()))) {
                throw new ScoringException("non-finite log-determinant");
            }
            return engine.score(images);
        };
    }

    @Test
    void oneBadEventIsGivenUpAndTheRestOfItsBatchIsScored() {
        List<byte[]> batch = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            batch.add(i == 5 ? poison() : TestModels.pixels(i));
        }
        AtomicInteger passes = new AtomicInteger();

        FaultIsolatingScorer.Result result =
                new FaultIsolatingScorer(failingOnPoison(passes), IMAGE_BYTES, 3).score(batch);

        for (int i = 0; i < 8; i++) {
            FaultIsolatingScorer.Outcome outcome = result.outcomes().get(i);
            if (i == 5) {
                FaultIsolatingScorer.Failed failed =
                        assertInstanceOf(FaultIsolatingScorer.Failed.class, outcome);
                assertEquals(3, failed.attempts());
                assertTrue(failed.detail().contains("non-finite"), failed.detail());
            } else {
                FaultIsolatingScorer.Scored scored =
                        assertInstanceOf(FaultIsolatingScorer.Scored.class, outcome, "event " + i);
                double bpd = scored.batch().bounds().elboBitsPerDim()[scored.index()];
                assertTrue(Double.isFinite(bpd) && bpd > 0, "event " + i + ": " + bpd);
            }
        }
        // 8 fails, [4,8) fails, [4,6) fails, [5] fails three times; each failure costs a probe
        assertEquals(6, result.failedPasses());
    }

    @Test
    void aPassThatFailsOnceIsRetriedAndLosesNothing() {
        AtomicInteger passes = new AtomicInteger();
        BatchScorer failsFirst =
                images -> {
                    if (passes.incrementAndGet() == 1) {
                        throw new ScoringException("device busy");
                    }
                    return engine.score(images);
                };
        List<byte[]> batch = List.of(TestModels.pixels(1), TestModels.pixels(2));

        FaultIsolatingScorer.Result result =
                new FaultIsolatingScorer(failsFirst, IMAGE_BYTES, 3).score(batch);

        assertEquals(1, result.failedPasses());
        result.outcomes()
                .forEach(o -> assertInstanceOf(FaultIsolatingScorer.Scored.class, o));
    }

    @Test
    void aDeviceHiccupThatAlsoFailsTheBlankImageOnceStopsNothing() {
        AtomicInteger passes = new AtomicInteger();
        BatchScorer failsTwice =
                images -> {
                    if (passes.incrementAndGet() <= 2) {
                        throw new ScoringException("CUDA error: an illegal memory access");
                    }
                    return engine.score(images);
                };

        FaultIsolatingScorer.Result result =
                new FaultIsolatingScorer(failsTwice, IMAGE_BYTES, 3)
                        .score(List.of(TestModels.pixels(1), TestModels.pixels(2)));

        result.outcomes()
                .forEach(o -> assertInstanceOf(FaultIsolatingScorer.Scored.class, o));
    }

    @Test
    void aFailureABlankImageSharesIsTheModelsAndIsRethrown() {
        ScoringEngine closed =
                ScoringEngine.load(TestModels.tinyBundle(dir), "cpu", 0, ScoreKind.BPD, 1);
        closed.close();
        FaultIsolatingScorer scorer = new FaultIsolatingScorer(closed, IMAGE_BYTES, 3);

        ScoringException e =
                assertThrows(
                        ScoringException.class,
                        () -> scorer.score(List.of(TestModels.pixels(1), TestModels.pixels(2))));

        assertTrue(e.getMessage().contains("blank image too"), e.getMessage());
        assertEquals(1, e.getCause().getSuppressed().length, "the batch's failure is kept");
    }

    @Test
    void maxAttemptsIsAtLeastOne() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new FaultIsolatingScorer(engine, IMAGE_BYTES, 0));
    }
}
