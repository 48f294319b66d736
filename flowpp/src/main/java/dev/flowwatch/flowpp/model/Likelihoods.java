package dev.flowwatch.flowpp.model;

/** Unit conversions of log-likelihoods. */
public final class Likelihoods {

    private static final double LN2 = Math.log(2);

    private Likelihoods() {}

    /**
     * Negative log-likelihood in bits per dimension of a log-likelihood (bound) in nats per image.
     */
    public static double bitsPerDim(double nats, int dimensions) {
        return -nats / (dimensions * LN2);
    }
}
