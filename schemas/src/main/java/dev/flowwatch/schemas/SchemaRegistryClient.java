package dev.flowwatch.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Looks up writer schemas by id and registers schemas under subjects, speaking the
 * Confluent-compatible API (Confluent, Karapace, Apicurio's {@code /apis/ccompat/v7}) and, for the
 * ids only Apicurio's own serializers write, Apicurio's {@code /apis/registry/v2}.
 *
 * <p>A registry never changes the schema behind an id, so schemas are kept without expiry, up to
 * {@link SchemaRegistrySettings#cacheSize()} of them. An id the registry does not know is
 * remembered for {@link SchemaRegistrySettings#unknownIdTtl()} only: its producer may have
 * registered it a moment ago, but a stream of messages with the same bad id must not cost a request
 * each. Thread-safe.
 */
public final class SchemaRegistryClient {

    /** What the client reports, for metrics. */
    public interface Listener {
        /** Reports nowhere: for clients whose look-ups are no one's metric. */
        Listener NONE =
                new Listener() {
                    @Override
                    public void lookup() {}

                    @Override
                    public void cacheHit() {}

                    @Override
                    public void failure(Failure failure) {}
                };

        /** A schema was asked of the registry. */
        void lookup();

        /** A schema (or an id known to be unknown) was answered from memory. */
        void cacheHit();

        /** A look-up found no schema, or a request to the registry failed. */
        void failure(Failure failure);
    }

    /** Why a look-up or request did not give a schema. */
    public enum Failure {
        /** The registry does not know the id. */
        UNKNOWN_ID,
        /** One request failed: unreachable, timed out, 5xx, or refused for no fault of the id. */
        UNAVAILABLE
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern APICURIO_API =
            Pattern.compile("(.*)/apis/(?:ccompat/v\\d+|registry/v\\d+)");

    /**
     * What Confluent (40401, 40403) and Apicurio (its exception names) answer with 404 for an id or
     * subject they do not know; a 404 without them is a wrong URL, not an unknown id.
     */
    private static final Set<Integer> NOT_FOUND_CODES = Set.of(40401, 40402, 40403);

    private static final Set<String> NOT_FOUND_NAMES =
            Set.of(
                    "ArtifactNotFoundException",
                    "ContentNotFoundException",
                    "VersionNotFoundException");

    private final URI confluentBase;
    private final URI apicurioBase;
    private final RegistryHttp http;
    private final Listener listener;
    private final BoundedCache<RegistryId, Schema> schemas;
    private final BoundedCache<RegistryId, Long> unknownUntil;
    private final long unknownIdTtlNanos;
    private final int cacheSize;

    public SchemaRegistryClient(SchemaRegistrySettings settings, Listener listener) {
        this.confluentBase = confluentBase(settings.url());
        this.apicurioBase = apicurioBase(settings.url());
        this.listener = listener;
        this.http = new RegistryHttp(settings, () -> listener.failure(Failure.UNAVAILABLE));
        this.schemas = new BoundedCache<>(settings.cacheSize());
        this.unknownUntil = new BoundedCache<>(settings.cacheSize());
        this.unknownIdTtlNanos = settings.unknownIdTtl().toNanos();
        this.cacheSize = settings.cacheSize();
    }

    /** The most schemas kept; readers built on them are bounded alike. */
    int cacheSize() {
        return cacheSize;
    }

    /**
     * The writer schema of {@code id}, or empty if the registry holds no Avro schema under it.
     *
     * @throws SchemaRegistryUnavailableException if the registry cannot answer
     */
    public Optional<Schema> schema(RegistryId id) {
        Schema known = schemas.get(id);
        if (known != null) {
            listener.cacheHit();
            return Optional.of(known);
        }
        Long until = unknownUntil.get(id);
        if (until != null) {
            if (System.nanoTime() - until < 0) {
                listener.cacheHit();
                return Optional.empty();
            }
            unknownUntil.remove(id);
        }
        listener.lookup();
        Optional<Schema> found = fetch(id);
        if (found.isPresent()) {
            schemas.put(id, found.get());
        } else {
            listener.failure(Failure.UNKNOWN_ID);
            unknownUntil.put(id, System.nanoTime() + unknownIdTtlNanos);
        }
        return found;
    }

    private Optional<Schema> fetch(RegistryId id) {
        if (id.value() < 1
                || (id.kind() == RegistryId.Kind.SCHEMA_ID && id.value() > Integer.MAX_VALUE)) {
            // Registries count from 1, and the Confluent API's ids are Java ints; a message's
            // bytes may say anything, and a registry need not answer an id past an int with its
            // "not found" (Apicurio 2.6: a 404 without error code, which would read as an outage).
            return Optional.empty();
        }
        URI uri =
                switch (id.kind()) {
                    case SCHEMA_ID -> resolve(confluentBase, "/schemas/ids/" + id.value());
                    case GLOBAL_ID -> resolve(apicurioBase, "/ids/globalIds/" + id.value());
                    case CONTENT_ID -> resolve(apicurioBase, "/ids/contentIds/" + id.value());
                };
        RegistryHttp.Response r = http.get(uri);
        if (isUnknownId(id, r)) {
            return Optional.empty();
        }
        requireOk(r, "GET " + uri);
        String text = r.body();
        if (id.kind() == RegistryId.Kind.SCHEMA_ID) {
            // The Confluent API wraps the schema: {"schema": "...", "schemaType": "AVRO"}.
            JsonNode answer = json(r);
            if (!answer.path("schemaType").asText("AVRO").equals("AVRO")) {
                return Optional.empty();
            }
            text = field(answer, "schema", r).asText();
        }
        try {
            return Optional.of(new Schema.Parser().parse(text));
        } catch (AvroRuntimeException e) {
            // a JSON Schema or Protobuf schema under an id a message claims to be Avro, or one
            // Avro refuses (SchemaParseException; AvroTypeException for an invalid default): an
            // unknown id, cached as one, not an error on every record that names it
            return Optional.empty();
        }
    }

    /**
     * Registers {@code schema} under {@code subject} (the same schema again gets the same id) and
     * returns its Confluent-compatible id. Where the registry forbids this client to register
     * (403), looks the schema up under the subject instead.
     *
     * @throws SchemaRegistryException naming the subject, if the registry refuses the schema (e.g.
     *     409: incompatible with the subject's earlier versions) or does not hold it
     * @throws SchemaRegistryUnavailableException if the registry cannot answer
     */
    public int register(String subject, Schema schema) {
        String body =
                JsonNodeFactory.instance.objectNode().put("schema", schema.toString()).toString();
        URI versions = resolve(confluentBase, "/subjects/" + encode(subject) + "/versions");
        RegistryHttp.Response r = http.post(versions, body);
        if (r.status() == 403) {
            URI lookup = resolve(confluentBase, "/subjects/" + encode(subject));
            RegistryHttp.Response found = http.post(lookup, body);
            if (isNotFound(found)) {
                throw new SchemaRegistryException(
                        String.format(
                                "Subject '%s' does not hold the schema of %s, and the registry"
                                        + " forbids this client to register it (403: %s); register"
                                        + " it there, or give these credentials the right to",
                                subject, schema.getFullName(), RegistryHttp.shorten(r.body())));
            }
            r = found;
        }
        if (r.status() == 409 || r.status() == 422) {
            throw new SchemaRegistryException(
                    String.format(
                            "The registry refuses the schema of %s under subject '%s' (%d: %s)",
                            schema.getFullName(),
                            subject,
                            r.status(),
                            RegistryHttp.shorten(r.body())));
        }
        requireOk(r, "registering under subject '" + subject + "' at " + versions);
        return field(json(r), "id", r).asInt();
    }

    /**
     * Whether the registry says it has no schema under the id: never an answer that is no
     * registry's error (a proxy's page for a wrong port or path), else a wrong URL would turn every
     * event into a dead letter. 400 and 422 refuse the id itself. A 404 of the Confluent API must
     * carry its not-found code; Apicurio's API is asked only for ids of Apicurio's framings, which
     * a registry without that API (Confluent, Karapace) cannot know, so any error 404 there is the
     * id's.
     */
    private static boolean isUnknownId(RegistryId id, RegistryHttp.Response r) {
        return switch (r.status()) {
            case 400, 422 -> isRegistryError(r);
            case 404 -> id.kind() == RegistryId.Kind.SCHEMA_ID ? isNotFound(r) : isRegistryError(r);
            default -> false;
        };
    }

    /** An error body of a registry: a JSON object with Confluent's code or Apicurio's name. */
    private static boolean isRegistryError(RegistryHttp.Response r) {
        try {
            JsonNode error = JSON.readTree(r.body());
            return error != null && (error.has("error_code") || error.has("name"));
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean isNotFound(RegistryHttp.Response r) {
        if (r.status() != 404) {
            return false;
        }
        try {
            JsonNode error = JSON.readTree(r.body());
            return NOT_FOUND_CODES.contains(error.path("error_code").asInt())
                    || NOT_FOUND_NAMES.contains(error.path("name").asText());
        } catch (IOException e) {
            return false;
        }
    }

    /** Not the id's fault (bad credentials, a URL that is no registry): never a dead letter. */
    private static void requireOk(RegistryHttp.Response r, String what) {
        if (r.status() / 100 != 2) {
            throw new SchemaRegistryUnavailableException(
                    String.format(
                            "The schema registry answered %d to %s: %s (check schema.registry.url"
                                    + " and its credentials)",
                            r.status(), what, RegistryHttp.shorten(r.body())));
        }
    }

    private static JsonNode json(RegistryHttp.Response r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new SchemaRegistryUnavailableException(
                    "The schema registry answered what is not JSON: "
                            + RegistryHttp.shorten(r.body()));
        }
    }

    private static JsonNode field(JsonNode answer, String name, RegistryHttp.Response r) {
        JsonNode value = answer.get(name);
        if (value == null) {
            throw new SchemaRegistryUnavailableException(
                    "The schema registry's answer has no '"
                            + name
                            + "': "
                            + RegistryHttp.shorten(r.body()));
        }
        return value;
    }

    /** Apicurio's v2/v3 URL is turned into its Confluent-compatible one; others are kept. */
    static URI confluentBase(URI url) {
        String base = withoutTrailingSlash(url.toString());
        Matcher m = APICURIO_API.matcher(base);
        return URI.create(
                m.matches() && !base.contains("/apis/ccompat/")
                        ? m.group(1) + "/apis/ccompat/v7"
                        : base);
    }

    /**
     * Apicurio's v2 API beside its Confluent-compatible one (Apicurio 3.x still serves v2); for a
     * URL without an {@code /apis/} path, under it.
     */
    static URI apicurioBase(URI url) {
        String base = withoutTrailingSlash(url.toString());
        Matcher m = APICURIO_API.matcher(base);
        return URI.create((m.matches() ? m.group(1) : base) + "/apis/registry/v2");
    }

    private static String withoutTrailingSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private static URI resolve(URI base, String path) {
        return URI.create(base + path);
    }

    private static String encode(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
