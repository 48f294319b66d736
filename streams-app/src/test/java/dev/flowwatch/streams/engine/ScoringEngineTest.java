package dev.flowwatch.streams.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.flowpp.model.LikelihoodScorer;
import dev.flowwatch.streams.TestModels;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

class ScoringEngineTest {

    @TempDir Path dir;

    @Test
    void concurrentBatchesScoreAsSequentialOnes() throws Exception {
        try (ScoringEngine engine =
                ScoringEngine.load(TestModels.tinyBundle(dir), "cpu", 2, false, 4)) {
            assertTrue(engine.isLoaded());
            List<List<byte[]>> batches = new ArrayList<>();
            for (int b = 0; b < 8; b++) {
                List<byte[]> batch = new ArrayList<>();
                for (int i = 0; i <= b % 3; i++) {
                    batch.add(TestModels.pixels(100L * b + i));
                }
                batches.add(batch);
            }
            List<LikelihoodScorer.Scores> sequential = new ArrayList<>();
            for (List<byte[]> batch : batches) {
                sequential.add(engine.score(batch));
            }

            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<LikelihoodScorer.Scores>> concurrent = new ArrayList<>();
                for (List<byte[]> batch : batches) {
                    concurrent.add(pool.submit(() -> engine.score(batch)));
                }
                for (int b = 0; b < batches.size(); b++) {
                    LikelihoodScorer.Scores s = concurrent.get(b).get();
                    assertArrayEquals(
                            sequential.get(b).elboBitsPerDim(), s.elboBitsPerDim(), "batch " + b);
                    assertArrayEquals(
                            sequential.get(b).iwBitsPerDim(), s.iwBitsPerDim(), "batch " + b);
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    @Test
    void closedEngineRefusesToScore() {
        ScoringEngine engine = ScoringEngine.load(TestModels.tinyBundle(dir), "cpu", 0, false, 1);
        engine.close();

        assertFalse(engine.isLoaded());
        assertThrows(ScoringException.class, () -> engine.score(List.of(TestModels.pixels(1))));
    }

    @Test
    void interleavedPixelsBecomePlanar() {
        // 1x2 image, 3 channels: pixel 0 = (1,2,3), pixel 1 = (4,5,6)
        float[] planar = Pixels.toPlanar(List.of(new byte[] {1, 2, 3, 4, 5, (byte) 250}), 3, 1, 2);
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 250}, planar);
        assertEquals(6, planar.length);
    }
}
