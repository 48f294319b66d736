package dev.flowwatch.streams;

import dev.flowwatch.streams.config.AppConfig;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Creates the app's topics that do not exist yet ({@code topics.create=true}). */
final class TopicCreator {

    private static final Logger LOG = LoggerFactory.getLogger(TopicCreator.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private TopicCreator() {}

    static void createMissing(AppConfig config) {
        Map<String, Integer> wanted = new LinkedHashMap<>();
        for (String topic :
                List.of(
                        config.topicImages(),
                        config.topicScores(),
                        config.topicAlerts(),
                        config.topicDlq())) {
            wanted.put(topic, config.topicsPartitions());
        }
        if (config.batchingPartitions() > 0) {
            wanted.put(config.batchingTopic(), config.batchingPartitions());
        }
        try (Admin admin = Admin.create(config.clientProperties())) {
            Set<String> existing =
                    admin.listTopics().names().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            List<NewTopic> missing = new ArrayList<>();
            wanted.forEach(
                    (topic, partitions) -> {
                        if (!existing.contains(topic)) {
                            missing.add(
                                    new NewTopic(topic, partitions, config.topicsReplication()));
                        }
                    });
            if (missing.isEmpty()) {
                return;
            }
            admin.createTopics(missing)
                    .values()
                    .forEach(
                            (topic, future) -> {
                                try {
                                    future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                                    LOG.info("Created topic {}", topic);
                                } catch (ExecutionException e) {
                                    // another instance of the app created it meanwhile
                                    if (!(e.getCause() instanceof TopicExistsException)) {
                                        throw new IllegalStateException(
                                                "cannot create topic "
                                                        + topic
                                                        + ": "
                                                        + e.getCause(),
                                                e);
                                    }
                                } catch (TimeoutException e) {
                                    throw new IllegalStateException(
                                            "creating topic "
                                                    + topic
                                                    + " timed out after "
                                                    + TIMEOUT,
                                            e);
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                    throw new IllegalStateException(
                                            "interrupted while creating topic " + topic, e);
                                }
                            });
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(
                    "cannot list topics at "
                            + config.bootstrapServers()
                            + " (bootstrap.servers): "
                            + e,
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while listing topics", e);
        }
    }
}
