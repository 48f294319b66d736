package dev.flowwatch.schemas;

/**
 * The schema registry could not answer: unreachable, 5xx for longer than the retry budget, or a
 * refusal that is no fault of the message (bad credentials, a URL that is no registry).
 *
 * <p>Deliberately not a {@link org.apache.kafka.common.errors.SerializationException}: the message
 * may be fine, so it must not become a dead letter. Whoever decodes lets it fail the task, which
 * reads the message again once restarted.
 */
public final class SchemaRegistryUnavailableException extends RuntimeException {

    public SchemaRegistryUnavailableException(String message) {
        super(message);
    }
}
