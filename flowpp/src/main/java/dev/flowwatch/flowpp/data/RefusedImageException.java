package dev.flowwatch.flowpp.data;

/** An image {@link ImageDecoder} does not turn into pixels, and why. */
public final class RefusedImageException extends Exception {

    /** What is wrong with the image. */
    public enum Problem {
        /** A kind of colour the model does not take: transparency, CMYK, an unknown space. */
        COLOURS,
        /** Bytes that do not decode, or decode only with the decoder's warnings. */
        DATA
    }

    private final Problem problem;

    public RefusedImageException(Problem problem, String message) {
        super(message);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }
}
