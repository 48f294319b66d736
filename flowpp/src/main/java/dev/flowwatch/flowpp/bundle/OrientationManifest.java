package dev.flowwatch.flowpp.bundle;

import dev.flowwatch.flowpp.orientation.OrientationConfig;

import java.util.Map;

/**
 * The manifest of a bundle's orientation network ({@value ModelBundle#ORIENTATION}/{@value #FILE}),
 * beside its {@value ModelBundle#PARAMETERS}.
 *
 * @param format always {@value #FORMAT}
 * @param formatVersion {@value #FORMAT_VERSION}
 * @param version identifies these exact weights (time of writing plus a checksum prefix); a
 *     calibration made with other weights does not use them
 * @param createdAt ISO-8601 instant of writing
 * @param config the architecture
 * @param parametersSha256 SHA-256 of the weights, hex
 * @param parametersBytes size of the weights
 * @param metrics training metrics and provenance (steps, images, accuracy), free-form
 */
public record OrientationManifest(
        String format,
        int formatVersion,
        String version,
        String createdAt,
        OrientationConfig config,
        String parametersSha256,
        long parametersBytes,
        Map<String, Object> metrics) {

    public static final String FILE = "orientation.json";
    public static final String FORMAT = "flowwatch-orientation-net";
    public static final int FORMAT_VERSION = 1;
}
