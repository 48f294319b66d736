package dev.flowwatch.flowpp.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import dev.flowwatch.flowpp.flow.FlowChecks;
import dev.flowwatch.flowpp.nn.Tensors;
import dev.flowwatch.flowpp.train.Weights;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;

class NoiseBankTest {

    @Test
    void aBankHoldsUpTo4096RowsWithin64MegabytesButNeverFewerThan64() {
        assertEquals(4096, NoiseBank.rowsFor(1 * 28 * 28, 4));
        assertEquals(4096, NoiseBank.rowsFor(3 * 32 * 32, 4));
        assertEquals(1365, NoiseBank.rowsFor(3 * 64 * 64, 4));
        assertEquals(2730, NoiseBank.rowsFor(3 * 32 * 32, 8));
        assertEquals(64, NoiseBank.rowsFor(3 * 512 * 512, 4));
    }

    @Test
    void imagesSpreadOverTheRowsAndEachSampleOfAnImageTakesItsOwn() {
        try (NDManager manager = NDManager.newBaseManager()) {
            FlowPlusPlus model =
                    new FlowPlusPlus(FlowConfig.presetBuilder("tiny", 1, 4, 4).build());
            FlowChecks.initializeRandomly(model, manager, new Shape(1, 1, 4, 4), 1);
            Weights.freeze(model);
            NoiseBank bank = new NoiseBank(model, manager, 42);
            Random random = new Random(3);
            Set<Integer> rows = new HashSet<>();
            int sameForTwoSamples = 0;
            for (int i = 0; i < 1000; i++) {
                long key = random.nextLong();
                rows.add(bank.row(key, 0));
                sameForTwoSamples += bank.row(key, 0) == bank.row(key, 1) ? 1 : 0;
            }
            // 1000 keys over 4096 rows: 885 distinct ones expected
            assertTrue(rows.size() > 850, rows.size() + " rows");
            assertTrue(sameForTwoSamples < 5, sameForTwoSamples + " images");

            float[] pixels = new float[2 * 16];
            pixels[16] = 1;
            double[] noise = Tensors.toDoubles(bank.noise(NoiseBank.imageKeys(pixels, 2, 16), 0));
            double[] again =
                    Tensors.toDoubles(
                            new NoiseBank(model, manager, 42)
                                    .noise(NoiseBank.imageKeys(pixels, 2, 16), 0));
            assertArrayEquals(noise, again);
            assertTrue(noise[0] != noise[16], "images one value apart get other rows");
        }
    }
}
