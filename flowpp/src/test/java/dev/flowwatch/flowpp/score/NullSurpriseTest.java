package dev.flowwatch.flowpp.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NullSurpriseTest {

    /** 1..20 in shuffled order: positions and tail are plain to compute. */
    private static final double[] ONE_TO_TWENTY = {
        7, 3, 20, 1, 15, 9, 12, 4, 18, 6, 2, 11, 14, 5, 19, 8, 16, 10, 13, 17
    };

    /**
     * At the j-th of n null scores, p̃ = (n − j + 1)/(n + 1): one plus the scores above, over n+1.
     */
    @Test
    void atANullScoreTheSurpriseIsThatOfItsRank() {
        NullSurprise s = NullSurprise.of(ONE_TO_TWENTY);
        for (int j = 1; j <= 20; j++) {
            assertEquals(Math.log(21.0 / (21 - j)), s.surprise(j), 1e-12, "score " + j);
        }
        assertEquals(Math.log(21.0 / 20), s.surprise(-5), 1e-12);
    }

    @Test
    void betweenNullScoresTheRankIsInterpolated() {
        assertEquals(Math.log(21 / 13.5), NullSurprise.of(ONE_TO_TWENTY).surprise(7.5), 1e-12);
    }

    /**
     * Beyond the largest score the tail is exponential with the mean excess of the top 5 % (here
     * the top one, 20, over 19: a scale of 1).
     */
    @Test
    void beyondTheNullTheSurpriseGrowsLinearlyAtTheTailsScale() {
        NullSurprise s = NullSurprise.of(ONE_TO_TWENTY);
        assertEquals(Math.log(21), s.surprise(20), 1e-12);
        assertEquals(Math.log(21) + 3, s.surprise(23), 1e-12);
        assertEquals(Double.POSITIVE_INFINITY, s.surprise(Double.NaN));
    }

    @Test
    void surpriseIsContinuousAndNeverFalls() {
        NullSurprise s = NullSurprise.of(ONE_TO_TWENTY);
        double previous = s.surprise(0);
        for (double x = 0; x < 30; x += 0.001) {
            double now = s.surprise(x);
            assertTrue(now >= previous && now - previous < 0.01, "at " + x);
            previous = now;
        }
    }

    @Test
    void leavingOneOutScoresEachAmongTheOthers() {
        double[] loo = NullSurprise.leaveOneOut(ONE_TO_TWENTY);
        for (int i = 0; i < ONE_TO_TWENTY.length; i++) {
            double[] others = new double[19];
            for (int j = 0, k = 0; j < 20; j++) {
                if (j != i) {
                    others[k++] = ONE_TO_TWENTY[j];
                }
            }
            assertEquals(
                    NullSurprise.of(others).surprise(ONE_TO_TWENTY[i]), loo[i], 0.0, "index " + i);
        }
    }

    @Test
    void aNullThatIsEmptyOrNotFiniteIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> NullSurprise.of(new double[0]));
        assertThrows(
                IllegalArgumentException.class,
                () -> NullSurprise.of(new double[] {1, Double.POSITIVE_INFINITY}));
    }
}
