package dev.flowwatch.flowpp.flow;

/**
 * Settings of the bisection search that inverts the mixture-of-logistics CDF.
 *
 * @param tolerance stop once every bracket is narrower than this (in the layer's input units)
 * @param maxIterations hard cap on halvings, reached only if the tolerance is below float precision
 */
public record Bisection(double tolerance, int maxIterations) {

    public static final Bisection DEFAULT = new Bisection(1e-5, 100);

    public Bisection {
        if (!(tolerance > 0)) {
            throw new IllegalArgumentException("bisection tolerance must be > 0, got " + tolerance);
        }
        if (maxIterations < 1) {
            throw new IllegalArgumentException(
                    "bisection maxIterations must be >= 1, got " + maxIterations);
        }
    }
}
