package dev.flowwatch.flowpp.flow;

import java.util.Arrays;
import java.util.List;

/**
 * Named per-example terms of a likelihood bound ({@link TermRecorder}).
 *
 * @param names one per term
 * @param values {@code values[t][i]}: term t of example i
 */
public record BoundTerms(List<String> names, double[][] values) {

    public BoundTerms {
        names = List.copyOf(names);
        if (values.length != names.size()) {
            throw new IllegalArgumentException(values.length + " terms for " + names.size() + " names");
        }
    }

    /** Number of examples. */
    public int size() {
        return values.length == 0 ? 0 : values[0].length;
    }

    /** Every term times {@code factor}, e.g. to turn nats into bits/dim. */
    public BoundTerms scaled(double factor) {
        double[][] out = new double[values.length][];
        for (int t = 0; t < values.length; t++) {
            out[t] = Arrays.stream(values[t]).map(v -> v * factor).toArray();
        }
        return new BoundTerms(names, out);
    }

    /** The terms of examples [from, to). */
    public BoundTerms slice(int from, int to) {
        double[][] out = new double[values.length][];
        for (int t = 0; t < values.length; t++) {
            out[t] = Arrays.copyOfRange(values[t], from, to);
        }
        return new BoundTerms(names, out);
    }

    /** The terms of several consecutive runs of examples, in order; all have the same names. */
    public static BoundTerms concat(List<BoundTerms> parts) {
        List<String> names = parts.get(0).names();
        double[][] out = new double[names.size()][];
        for (int t = 0; t < names.size(); t++) {
            int term = t;
            out[t] =
                    parts.stream()
                            .peek(p -> requireNames(names, p))
                            .flatMapToDouble(p -> Arrays.stream(p.values()[term]))
                            .toArray();
        }
        return new BoundTerms(names, out);
    }

    /** Term {@code name} of every example. */
    public double[] column(String name) {
        int t = names.indexOf(name);
        if (t < 0) {
            throw new IllegalArgumentException("no term '" + name + "'; terms: " + names);
        }
        return values[t];
    }

    private static void requireNames(List<String> names, BoundTerms part) {
        if (!names.equals(part.names())) {
            throw new IllegalArgumentException("terms " + part.names() + " differ from " + names);
        }
    }
}
