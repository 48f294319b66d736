package dev.flowwatch.streams.config;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.streams.StreamsConfig;

import java.util.AbstractMap;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.SortedMap;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * Settings whose string form hides secrets: every {@code *password*} and {@code *secret*} key,
 * {@code sasl.jaas.config} (which embeds the password) and every key the Kafka clients type as a
 * password print as {@value #HIDDEN}. Configurations end up in logs, exception messages and
 * debuggers through {@code toString()}; the values themselves stay readable for the Kafka clients.
 */
final class Redacted {

    static final String HIDDEN = "[hidden]";

    private Redacted() {}

    /**
     * Every key the Kafka clients type as a password (a PEM private key in {@code
     * ssl.keystore.key}, an OAuth client secret), and anything named like a password or a secret,
     * under any of Kafka Streams' prefixes.
     */
    static boolean isSecret(Object key) {
        String k = String.valueOf(key).toLowerCase(Locale.ROOT);
        if (k.contains("password") || k.contains("secret") || k.endsWith("sasl.jaas.config")) {
            return true;
        }
        for (String name = k; ; name = name.substring(name.indexOf('.') + 1)) {
            if (KAFKA_PASSWORDS.contains(name)) {
                return true;
            }
            if (name.indexOf('.') < 0) {
                return false;
            }
        }
    }

    private static final Set<String> KAFKA_PASSWORDS = kafkaPasswords();

    private static Set<String> kafkaPasswords() {
        Set<String> names = new HashSet<>();
        for (ConfigDef def :
                List.of(
                        ProducerConfig.configDef(),
                        ConsumerConfig.configDef(),
                        AdminClientConfig.configDef(),
                        StreamsConfig.configDef())) {
            def.configKeys()
                    .forEach(
                            (name, key) -> {
                                if (key.type == ConfigDef.Type.PASSWORD) {
                                    names.add(name.toLowerCase(Locale.ROOT));
                                }
                            });
        }
        return Set.copyOf(names);
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
        new TreeMap<>(settings).forEach((k, v) -> out.add(k + "=" + (isSecret(k) ? HIDDEN : v)));
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
