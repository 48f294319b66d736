package dev.flowwatch.flowpp.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Runs a per-example computation on slices of a batch and concatenates the results, so that its
 * peak memory is that of one slice. Each slice runs in its own scope ({@link Scopes}).
 */
public final class Chunks {

    private Chunks() {}

    /**
     * Applies {@code part} to slices of at most {@code size} examples of {@code batch} (axis 0 of
     * every array in it; null entries stay null) and concatenates each of its outputs along axis 0.
     *
     * @param size the slice size; 0, or a batch no larger, runs {@code part} once on the batch
     */
    public static List<NDArray> map(
            List<NDArray> batch, int size, Function<List<NDArray>, List<NDArray>> part) {
        long n = batch.get(0).getShape().get(0);
        if (size <= 0 || n <= size) {
            return part.apply(batch);
        }
        List<List<NDArray>> pieces = new ArrayList<>();
        for (long from = 0; from < n; from += size) {
            NDIndex rows = new NDIndex("{}:{}", from, Math.min(n, from + size));
            pieces.add(
                    Scopes.retain(
                            () -> part.apply(slice(batch, rows)), outputs -> outputs));
        }
        List<NDArray> joined = new ArrayList<>();
        for (int j = 0; j < pieces.get(0).size(); j++) {
            NDList column = new NDList(pieces.size());
            for (List<NDArray> piece : pieces) {
                column.add(piece.get(j));
            }
            joined.add(NDArrays.concat(column, 0));
            column.close();
        }
        return joined;
    }

    private static List<NDArray> slice(List<NDArray> batch, NDIndex rows) {
        List<NDArray> slices = new ArrayList<>(batch.size());
        for (NDArray array : batch) {
            slices.add(array == null ? null : array.get(rows));
        }
        return slices;
    }
}
