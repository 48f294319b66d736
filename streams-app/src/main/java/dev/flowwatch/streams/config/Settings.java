package dev.flowwatch.streams.config;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.ConfigKey;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The settings as given (a properties file, {@code FLOWWATCH_*} variables, -D overrides, the later
 * winning), parsed and validated against {@link AppSettings#DEFINITION} with defaults filled in.
 * Each given value remembers where it came from, so that every message names the key, the value,
 * what is allowed and the place to fix it.
 */
final class Settings {

    /** A value as given, and where: "in FILE", "from FLOWWATCH_X" or "from -Dkey". */
    private record Given(String value, String source) {}

    private static final ConfigDef DEFINITION = AppSettings.DEFINITION;

    private final Map<String, Given> given;
    private final Map<String, Object> values = new HashMap<>();

    private Settings(Map<String, Given> given) {
        this.given = given;
        DEFINITION.configKeys().values().forEach(key -> values.put(key.name, parse(key)));
    }

    /**
     * Reads and validates the settings of a properties file (may be null), the environment and
     * overrides, in increasing precedence.
     *
     * @throws InvalidConfigException naming the key of the first unknown, missing or bad setting
     */
    static Settings load(
            Path propertiesFileOrNull,
            Map<String, String> environment,
            Map<String, String> overrides) {
        Map<String, Given> given = new LinkedHashMap<>();
        if (propertiesFileOrNull != null) {
            readFile(propertiesFileOrNull)
                    .forEach(
                            (key, value) ->
                                    given.put(
                                            known(key, "in " + propertiesFileOrNull),
                                            new Given(value, "in " + propertiesFileOrNull)));
        }
        environment.forEach(
                (name, value) -> {
                    String key = fromEnvironmentName(name);
                    // unknown FLOWWATCH_ variables are ignored: the environment is shared
                    if (key != null && isKnown(key)) {
                        given.put(key, new Given(value, "from " + name));
                    }
                });
        overrides.forEach(
                (key, value) ->
                        given.put(known(key, "given with -D"), new Given(value, "from -D" + key)));
        return new Settings(given);
    }

    int integer(String key) {
        return (Integer) values.get(key);
    }

    double number(String key) {
        return (Double) values.get(key);
    }

    boolean bool(String key) {
        return (Boolean) values.get(key);
    }

    /** A required setting, or one with a default. */
    String string(String key) {
        return (String) values.get(key);
    }

    /** A setting without default that may be left out; passwords as their plain value. */
    Optional<String> optional(String key) {
        Object v = values.get(key);
        return Optional.ofNullable(v instanceof Password p ? p.value() : (String) v);
    }

    Optional<Double> optionalNumber(String key) {
        return Optional.ofNullable((Double) values.get(key));
    }

    /**
     * The {@code kafka.*} settings with the prefix stripped.
     *
     * @param owned Kafka keys with a setting of their own, which the prefix may not set again
     */
    Map<String, String> kafka(Set<String> owned) {
        Map<String, String> kafka = new TreeMap<>();
        given.forEach(
                (key, g) -> {
                    if (!key.startsWith(AppConfig.KAFKA_PREFIX)) {
                        return;
                    }
                    String kafkaKey = key.substring(AppConfig.KAFKA_PREFIX.length());
                    if (kafkaKey.isEmpty()) {
                        throw new InvalidConfigException(
                                "setting '"
                                        + key
                                        + "' has no Kafka key after the prefix ("
                                        + g.source()
                                        + ")");
                    }
                    if (owned.contains(kafkaKey)) {
                        throw new InvalidConfigException(
                                "setting '"
                                        + key
                                        + "': set '"
                                        + kafkaKey
                                        + "' directly, without the kafka. prefix ("
                                        + g.source()
                                        + ")");
                    }
                    kafka.put(kafkaKey, g.value());
                });
        return kafka;
    }

    /**
     * Builds a value from several settings, whose constructor checks how they fit together; its
     * IllegalArgumentException becomes a message that also says where each of the keys was set.
     */
    <T> T combine(Supplier<T> build, String... keys) {
        try {
            return build.get();
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage(), keys);
        }
    }

    /** A failed check across {@code keys}: the message and where each key was set. */
    InvalidConfigException invalid(String message, String... keys) {
        return new InvalidConfigException(
                message
                        + " ("
                        + Arrays.stream(keys)
                                .map(key -> key + " " + origin(key))
                                .collect(Collectors.joining(", "))
                        + ")");
    }

    private String origin(String key) {
        Given g = given.get(key);
        if (g != null) {
            return g.source();
        }
        return DEFINITION.configKeys().get(key).defaultValue == null ? "not set" : "by default";
    }

    private Object parse(ConfigKey key) {
        Given g = given.get(key.name);
        if (g == null || g.value().isBlank()) {
            if (!key.hasDefault()) {
                throw missing(key.name);
            }
            if (g != null && key.defaultValue != null) {
                throw new InvalidConfigException(
                        "setting '"
                                + key.name
                                + "' is empty ("
                                + g.source()
                                + "): give it a value, or leave it out for the default "
                                + ConfigDef.convertToString(key.defaultValue, key.type));
            }
            return key.defaultValue;
        }
        Object value;
        try {
            value = ConfigDef.parseType(key.name, g.value(), key.type);
        } catch (ConfigException e) {
            throw bad(key.name, g, notA(key.type));
        }
        if (key.validator != null) {
            try {
                key.validator.ensureValid(key.name, value);
            } catch (ConfigException e) {
                throw bad(key.name, g, e.getMessage());
            }
        }
        return value;
    }

    private static String notA(ConfigDef.Type type) {
        return switch (type) {
            case INT, SHORT, LONG -> "not a whole number";
            case DOUBLE -> "not a number";
            case BOOLEAN -> "must be true or false";
            default -> "not a " + type.name().toLowerCase(Locale.ROOT);
        };
    }

    private static InvalidConfigException bad(String key, Given g, String reason) {
        String shown = Redacted.isSecret(key) ? Redacted.HIDDEN : g.value().trim();
        return new InvalidConfigException(
                key + "='" + shown + "': " + reason + " (" + g.source() + ")");
    }

    private static InvalidConfigException missing(String key) {
        return new InvalidConfigException(
                "missing required setting '"
                        + key
                        + "' (set it in the config file, as "
                        + AppConfig.ENV_PREFIX
                        + key.toUpperCase(Locale.ROOT).replace('.', '_')
                        + " or with -D"
                        + key
                        + "=...)");
    }

    private static boolean isKnown(String key) {
        return DEFINITION.configKeys().containsKey(key) || key.startsWith(AppConfig.KAFKA_PREFIX);
    }

    private static String known(String key, String where) {
        if (!isKnown(key)) {
            throw new InvalidConfigException("unknown setting '" + key + "' " + where);
        }
        return key;
    }

    /**
     * The variable of each declared key: the prefix, then the key upper-cased with its dots and
     * hyphens as underscores (scoring.max-attempts: FLOWWATCH_SCORING_MAX_ATTEMPTS).
     */
    private static final Map<String, String> ENVIRONMENT_NAMES =
            DEFINITION.configKeys().keySet().stream()
                    .collect(Collectors.toMap(Settings::environmentName, key -> key));

    static String environmentName(String key) {
        return AppConfig.ENV_PREFIX
                + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /**
     * The key a FLOWWATCH_ variable sets: a declared key by its {@link #environmentName}, else a
     * Kafka client's setting (FLOWWATCH_KAFKA_SASL_MECHANISM: kafka.sasl.mechanism) or an unknown
     * key, its underscores as dots; null for a variable without the prefix.
     */
    static String fromEnvironmentName(String name) {
        String prefix = AppConfig.ENV_PREFIX;
        if (!name.startsWith(prefix) || name.length() == prefix.length()) {
            return null;
        }
        String declared = ENVIRONMENT_NAMES.get(name);
        return declared != null
                ? declared
                : name.substring(prefix.length()).toLowerCase(Locale.ROOT).replace('_', '.');
    }

    private static Map<String, String> readFile(Path file) {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (IOException e) {
            throw new InvalidConfigException("cannot read config file " + file + ": " + e);
        }
        Map<String, String> m = new LinkedHashMap<>();
        p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
        return m;
    }
}
