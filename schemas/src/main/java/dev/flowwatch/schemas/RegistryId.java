package dev.flowwatch.schemas;

/**
 * The id under which a schema registry keeps a message's writer schema, as the message's frame or
 * headers name it.
 *
 * @param kind which of the registry's numbering the value belongs to
 * @param value the id; registries start counting at 1
 */
public record RegistryId(Kind kind, long value) {

    /** A registry's numberings, each looked up at its own path. */
    public enum Kind {
        /**
         * The id of the Confluent-compatible API ({@code GET /schemas/ids/N}): Confluent's and
         * Karapace's schema id, Apicurio's contentId.
         */
        SCHEMA_ID("schema id"),
        /** Apicurio's globalId: one per artifact version ({@code /ids/globalIds/N}). */
        GLOBAL_ID("Apicurio globalId"),
        /** Apicurio's contentId, named by its headers ({@code /ids/contentIds/N}). */
        CONTENT_ID("Apicurio contentId");

        private final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    @Override
    public String toString() {
        return kind.label + " " + value;
    }
}
