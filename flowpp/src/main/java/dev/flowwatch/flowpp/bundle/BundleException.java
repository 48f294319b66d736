package dev.flowwatch.flowpp.bundle;

import java.nio.file.Path;

/** A model bundle that cannot be used; the message names the file and the problem. */
public final class BundleException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public BundleException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public BundleException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
