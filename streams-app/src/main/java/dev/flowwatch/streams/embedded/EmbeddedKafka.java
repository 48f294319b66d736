package dev.flowwatch.streams.embedded;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

/**
 * A real single-node KRaft cluster (one combined broker + controller) inside this JVM, for the
 * demo, the benchmark and integration tests. {@link #close()} stops it and deletes its data.
 *
 * <p>Built on Kafka's own test kit, which uses broker internals: the Kafka version is pinned once
 * in the parent pom.
 */
public final class EmbeddedKafka implements AutoCloseable {

    /**
     * Without replication factor 1 for the internal topics a single broker cannot create them:
     * consumers then silently read nothing and transactions (exactly-once) never start.
     */
    private static final Map<String, String> SINGLE_NODE =
            Map.of(
                    "offsets.topic.replication.factor", "1",
                    "offsets.topic.num.partitions", "1",
                    "transaction.state.log.replication.factor", "1",
                    "transaction.state.log.min.isr", "1",
                    "transaction.state.log.num.partitions", "1",
                    "min.insync.replicas", "1",
                    "group.initial.rebalance.delay.ms", "0",
                    // the test kit enables versions still under development; a long-running demo
                    // wants what ships
                    "unstable.api.versions.enable", "false",
                    "unstable.feature.versions.enable", "false");

    private final KafkaClusterTestKit cluster;

    private EmbeddedKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    /**
     * Formats and starts a broker with its data under a fresh directory in {@code java.io.tmpdir}.
     *
     * <p>The directory is this class's, not the test kit's: the kit would register a JVM shutdown
     * hook that deletes its directory while a SIGTERM'd demo is still stopping the broker, which
     * then logs a storm of errors about its vanished log directory.
     */
    public static EmbeddedKafka start() {
        try {
            return start(Files.createTempDirectory("kafka-"));
        } catch (IOException e) {
            throw new UncheckedIOException("no temporary directory for the broker", e);
        }
    }

    /**
     * Formats and starts a broker with its data under {@code baseDirectory}, which {@link
     * #close()} deletes.
     */
    public static EmbeddedKafka start(Path baseDirectory) {
        TestKitNodes.Builder nodes =
                new TestKitNodes.Builder(productionMetadata())
                        .setCombined(true)
                        .setNumBrokerNodes(1)
                        .setNumControllerNodes(1)
                        .setBaseDirectory(baseDirectory);
        KafkaClusterTestKit cluster = null;
        try {
            KafkaClusterTestKit.Builder builder =
                    new KafkaClusterTestKit.Builder(nodes.build()).setDeleteOnClose(true);
            SINGLE_NODE.forEach(builder::setConfigProp);
            cluster = builder.build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            return new EmbeddedKafka(cluster);
        } catch (Exception e) {
            closeQuietly(cluster, e);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException(
                    "embedded Kafka broker did not start: " + e.getMessage(), e);
        }
    }

    /**
     * The metadata version and feature levels a production broker of this Kafka version formats
     * with.
     */
    private static BootstrapMetadata productionMetadata() {
        MetadataVersion version = MetadataVersion.latestProduction();
        Map<String, Short> features =
                Feature.PRODUCTION_FEATURES.stream()
                        .collect(
                                Collectors.toMap(
                                        Feature::featureName, f -> f.defaultLevel(version)));
        return BootstrapMetadata.fromVersions(version, features, "flowwatch embedded broker");
    }

    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    /** Creates topics with replication factor 1 and waits until they exist. */
    public void createTopics(int partitions, Collection<String> names) {
        create(names.stream().map(n -> new NewTopic(n, partitions, (short) 1)).toList());
    }

    /**
     * Creates a topic with replication factor 1 and topic-level settings (e.g. {@code
     * max.message.bytes}), and waits until it exists.
     */
    public void createTopic(String name, int partitions, Map<String, String> configs) {
        create(List.of(new NewTopic(name, partitions, (short) 1).configs(configs)));
    }

    private void create(List<NewTopic> topics) {
        List<String> names = topics.stream().map(NewTopic::name).toList();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers()))) {
            admin.createTopics(topics).all().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "creating topics " + names + ": " + e.getCause().getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics " + names, e);
        }
    }

    /** Stops the broker and deletes its data. Clients should be closed first. */
    @Override
    public void close() {
        try {
            cluster.close();
        } catch (Exception e) {
            throw new IllegalStateException(
                    "embedded Kafka broker did not stop cleanly: " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(KafkaClusterTestKit cluster, Exception cause) {
        if (cluster == null) {
            return;
        }
        try {
            cluster.close();
        } catch (Exception e) {
            cause.addSuppressed(e);
        }
    }
}
