package dev.flowwatch.flowpp.nn;

import ai.djl.ndarray.NDArray;

/**
 * Parameters of the elementwise Flow++ coupling transform, predicted per element.
 *
 * @param a log-scale of the affine part, (N, C, H, W)
 * @param b shift of the affine part, (N, C, H, W)
 * @param logits unnormalised log mixture weights, (N, K, C, H, W)
 * @param means component means, (N, K, C, H, W)
 * @param logScales component log-scales, (N, K, C, H, W)
 */
public record MixtureParameters(
        NDArray a, NDArray b, NDArray logits, NDArray means, NDArray logScales) {}
