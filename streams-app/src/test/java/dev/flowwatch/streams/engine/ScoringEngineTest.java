package dev.flowwatch.streams.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.flowpp.bundle.BundleException;
import dev.flowwatch.flowpp.data.Pixels;
import dev.flowwatch.flowpp.score.AnomalyScores;
import dev.flowwatch.flowpp.score.Calibration;
import dev.flowwatch.flowpp.score.InputComplexity;
import dev.flowwatch.flowpp.score.ScoreKind;
import dev.flowwatch.streams.TestModels;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

class ScoringEngineTest {

    @TempDir Path dir;

    /** With one pass at a time, and with passes running at once on the pool's threads. */
    @ParameterizedTest(name = "{0} concurrent passes")
    @ValueSource(ints = {1, 4})
    void concurrentBatchesScoreAsSequentialOnes(int concurrentPasses) throws Exception {
        try (ScoringEngine engine =
                ScoringEngine.load(
                        TestModels.tinyBundle(dir), "cpu", 2, ScoreKind.BPD, 4, concurrentPasses)) {
            assertTrue(engine.isLoaded());
            List<List<byte[]>> batches = new ArrayList<>();
            for (int b = 0; b < 8; b++) {
                List<byte[]> batch = new ArrayList<>();
                for (int i = 0; i <= b % 3; i++) {
                    batch.add(TestModels.pixels(100L * b + i));
                }
                batches.add(batch);
            }
            List<ScoredBatch> sequential = new ArrayList<>();
            for (List<byte[]> batch : batches) {
                sequential.add(engine.score(batch));
            }

            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<ScoredBatch>> concurrent = new ArrayList<>();
                for (List<byte[]> batch : batches) {
                    concurrent.add(pool.submit(() -> engine.score(batch)));
                }
                for (int b = 0; b < batches.size(); b++) {
                    ScoredBatch s = concurrent.get(b).get();
                    assertArrayEquals(
                            sequential.get(b).bounds().elboBitsPerDim(),
                            s.bounds().elboBitsPerDim(),
                            "batch " + b);
                    assertArrayEquals(
                            sequential.get(b).bounds().iwBitsPerDim(),
                            s.bounds().iwBitsPerDim(),
                            "batch " + b);
                    assertArrayEquals(sequential.get(b).scores(), s.scores(), "batch " + b);
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    @Test
    void everyForwardPassReportsItsWaitForTheModelAndItsTimeHoldingIt() throws Exception {
        List<long[]> passes = passesWhileTheFirstHoldsItsPermit(1);

        assertEquals(2, passes.size());
        assertTrue(passes.get(0)[1] > 0 && passes.get(1)[1] > 0, "forward times");
        assertTrue(
                passes.get(1)[0] > HOLD * 2 / 3,
                "the second batch waited " + passes.get(1)[0] + " ns");
    }

    @Test
    void withTwoConcurrentPassesASecondBatchDoesNotWaitForTheFirst() throws Exception {
        List<long[]> passes = passesWhileTheFirstHoldsItsPermit(2);

        assertEquals(2, passes.size());
        assertTrue(
                passes.get(1)[0] < HOLD / 3, "the second batch waited " + passes.get(1)[0] + " ns");
    }

    /** The passes' report comes while the pass still runs: holding it there is a hung pass. */
    @Test
    void aPassThatDoesNotEndShowsAsTheLongestInFlightUntilItEnds() throws Exception {
        try (ScoringEngine engine =
                ScoringEngine.load(TestModels.tinyBundle(dir), "cpu", 0, ScoreKind.BPD, 1, 2)) {
            assertTrue(engine.warmUpTime().toNanos() > 0, "the warm-up was timed");
            assertEquals(Duration.ZERO, engine.longestPassInFlight());
            CountDownLatch running = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            engine.reportForwardPasses(
                    (waitNanos, forwardNanos) -> {
                        running.countDown();
                        awaitUninterruptibly(release);
                    });
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                Future<ScoredBatch> hung =
                        pool.submit(() -> engine.score(List.of(TestModels.pixels(1))));
                running.await();
                Duration first = engine.longestPassInFlight();
                LockSupport.parkNanos(HOLD);
                Duration later = engine.longestPassInFlight();
                assertTrue(
                        later.minus(first).toNanos() >= HOLD,
                        "grew from " + first + " to " + later);
                release.countDown();
                hung.get();
                assertEquals(Duration.ZERO, engine.longestPassInFlight());
            } finally {
                pool.shutdown();
            }
        }
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final long HOLD = TimeUnit.MILLISECONDS.toNanos(300);

    /**
     * Two batches, the second scored while the first's pass keeps its permit {@link #HOLD} longer:
     * each pass's wait and forward time, in the order reported.
     */
    private List<long[]> passesWhileTheFirstHoldsItsPermit(int concurrentPasses) throws Exception {
        try (ScoringEngine engine =
                ScoringEngine.load(
                        TestModels.tinyBundle(dir), "cpu", 0, ScoreKind.BPD, 1, concurrentPasses)) {
            List<long[]> passes = new CopyOnWriteArrayList<>();
            CountDownLatch firstHeld = new CountDownLatch(1);
            // reported with the permit held: the first pass keeps it a while longer, so with one
            // permit the second batch must wait for it
            engine.reportForwardPasses(
                    (waitNanos, forwardNanos) -> {
                        passes.add(new long[] {waitNanos, forwardNanos});
                        if (passes.size() == 1) {
                            firstHeld.countDown();
                            LockSupport.parkNanos(HOLD);
                        }
                    });
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                Future<ScoredBatch> first =
                        pool.submit(() -> engine.score(List.of(TestModels.pixels(1))));
                firstHeld.await();
                engine.score(List.of(TestModels.pixels(2)));
                first.get();
            } finally {
                pool.shutdown();
            }
            return passes;
        }
    }

    @Test
    void closedEngineRefusesToScore() {
        ScoringEngine engine =
                ScoringEngine.load(TestModels.tinyBundle(dir), "cpu", 0, ScoreKind.BPD, 1);
        engine.close();

        assertFalse(engine.isLoaded());
        assertThrows(ScoringException.class, () -> engine.score(List.of(TestModels.pixels(1))));
    }

    @Test
    void interleavedPixelsBecomePlanar() {
        // 1x2 image, 3 channels: pixel 0 = (1,2,3), pixel 1 = (4,5,6)
        byte[] planar = Pixels.toPlanar(List.of(new byte[] {1, 2, 3, 4, 5, (byte) 250}), 3, 1, 2);
        assertArrayEquals(new byte[] {1, 4, 2, 5, 3, (byte) 250}, planar);
    }

    @Test
    void complexityScoreIsBitsPerDimLessThePngComplexityOfThePlanarImage() {
        int size = 8;
        byte[] hwc = new byte[3 * size * size];
        new Random(5).nextBytes(hwc);
        try (ScoringEngine engine =
                ScoringEngine.load(
                        TestModels.tinyRgbBundle(dir, size), "cpu", 0, ScoreKind.COMPLEXITY, 1)) {
            ScoredBatch batch = engine.score(List.of(hwc));

            double complexity =
                    InputComplexity.bitsPerDim(
                            AnomalyScores.DEFAULT_COMPRESSOR,
                            Pixels.toPlanar(List.of(hwc), 3, size, size),
                            3,
                            size,
                            size);
            assertEquals(batch.bounds().elboBitsPerDim()[0] - complexity, batch.scores()[0], 1e-12);
        }
    }

    @Test
    void calibrationIsReadOnceAtLoad() throws IOException {
        Path bundle = TestModels.tinyBundle(dir);
        Calibration written =
                TestModels.calibrate(bundle, Map.of(ScoreKind.BPD, new double[] {1, 2, 3, 4}));
        try (ScoringEngine engine = ScoringEngine.load(bundle, "cpu", 0, ScoreKind.BPD, 1)) {
            Files.delete(bundle.resolve(Calibration.FILE));

            Calibration read = engine.calibration().orElseThrow();
            assertArrayEquals(written.nullScores(ScoreKind.BPD), read.nullScores(ScoreKind.BPD));
        }
    }

    @Test
    void doseWithoutACalibratedDensityFailsAtLoadSayingHowToCalibrate() {
        Path bundle = TestModels.tinyBundle(dir);
        BundleException e =
                assertThrows(
                        BundleException.class,
                        () -> ScoringEngine.load(bundle, "cpu", 0, ScoreKind.DOSE, 1));
        assertTrue(e.getMessage().contains(Calibration.FILE + " is missing"), e.getMessage());
        assertTrue(e.getMessage().contains("--score-kinds dose"), e.getMessage());
    }
}
