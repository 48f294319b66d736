package dev.flowwatch.trainer.report;

/**
 * One measurement on a training curve: the bits per dimension of one data split after a number of
 * optimisation steps.
 *
 * @param step optimisation steps done when measured, not negative
 * @param split which data was measured, e.g. {@code train} or {@code validation}
 * @param bitsPerDim negative log-likelihood in bits per dimension; NaN when training diverged
 */
public record CurvePoint(long step, String split, double bitsPerDim) {

  public CurvePoint {
    if (step < 0) {
      throw new IllegalArgumentException("step must not be negative, got " + step);
    }
    // The split is written unquoted into CSV, so it must not break a row apart.
    if (split == null || split.isBlank() || split.chars().anyMatch(c -> ",\"\r\n".indexOf(c) >= 0)) {
      throw new IllegalArgumentException(
          "split must be a non-blank name without commas, quotes or line breaks, got '"
              + split
              + "'");
    }
  }
}
