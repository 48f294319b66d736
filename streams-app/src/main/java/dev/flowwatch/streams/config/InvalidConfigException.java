package dev.flowwatch.streams.config;

/** A setting is missing or has a bad value; the message names the key and the value. */
public final class InvalidConfigException extends IllegalArgumentException {

    public InvalidConfigException(String message) {
        super(message);
    }
}
