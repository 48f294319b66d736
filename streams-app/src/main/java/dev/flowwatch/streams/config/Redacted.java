package dev.flowwatch.streams.config;

import java.util.AbstractMap;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.SortedMap;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * Settings whose string form hides secrets: every {@code *password*} key and {@code
 * sasl.jaas.config} (which embeds the password) print as {@value #HIDDEN}. Configurations end up in
 * logs, exception messages and debuggers through {@code toString()}; the values themselves stay
 * readable for the Kafka clients.
 */
final class Redacted {

    static final String HIDDEN = "[hidden]";

    private Redacted() {}

    static boolean isSecret(Object key) {
        String k = String.valueOf(key).toLowerCase(Locale.ROOT);
        return k.contains("password") || k.endsWith("sasl.jaas.config");
    }

    /** An unmodifiable, sorted copy of {@code settings} whose toString hides secrets. */
    static Map<String, String> map(Map<String, String> settings) {
        return new SecretMap(new TreeMap<>(settings));
    }

    /** Empty properties whose toString hides secrets. */
    static Properties properties() {
        return new Properties() {
            private static final long serialVersionUID = 1L;

            @Override
            public synchronized String toString() {
                return Redacted.toString(this);
            }
        };
    }

    static String toString(Map<?, ?> settings) {
        StringJoiner out = new StringJoiner(", ", "{", "}");
        new TreeMap<>(settings)
                .forEach((k, v) -> out.add(k + "=" + (isSecret(k) ? HIDDEN : v)));
        return out.toString();
    }

    private static final class SecretMap extends AbstractMap<String, String> {

        private final SortedMap<String, String> settings;

        SecretMap(SortedMap<String, String> settings) {
            this.settings = Collections.unmodifiableSortedMap(settings);
        }

        @Override
        public Set<Entry<String, String>> entrySet() {
            return settings.entrySet();
        }

        @Override
        public String get(Object key) {
            return settings.get(key);
        }

        @Override
        public String toString() {
            return Redacted.toString(settings);
        }
    }
}
