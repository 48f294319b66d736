package dev.flowwatch.schemas;

/** The registry refused to register or look up a schema under a subject, naming the subject. */
public final class SchemaRegistryException extends RuntimeException {

    public SchemaRegistryException(String message) {
        super(message);
    }
}
