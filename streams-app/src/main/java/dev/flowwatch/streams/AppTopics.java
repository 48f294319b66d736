package dev.flowwatch.streams;

import dev.flowwatch.streams.config.AppConfig;
import dev.flowwatch.streams.config.InvalidConfigException;
import dev.flowwatch.streams.topology.BatchingProcessor;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
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
import java.util.function.Consumer;

/**
 * Waits until the brokers answer and every topic the app reads or writes exists, creating the
 * missing ones when {@code topics.create=true}. Kafka Streams itself would start without them and
 * then replace its threads forever (a missing output topic) or stop (a missing input topic);
 * exiting instead would crash-loop the pod while the brokers are down. So the start waits, with a
 * growing pause, and says why on {@code /ready} and in the log. Under exactly-once it then checks
 * that the topics of large records take what the producer may send.
 */
final class AppTopics {

    private static final Logger LOG = LoggerFactory.getLogger(AppTopics.class);

    /** How long one attempt may take: the admin client retries within it. */
    private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(5);

    private static final Duration FIRST_PAUSE = Duration.ofSeconds(1);
    private static final Duration MAX_PAUSE = Duration.ofSeconds(30);

    private final AppConfig config;
    private final Consumer<String> waitingFor;

    /**
     * @param waitingFor told, before each pause, what the start waits for (for {@code /ready})
     */
    AppTopics(AppConfig config, Consumer<String> waitingFor) {
        this.config = config;
        this.waitingFor = waitingFor;
    }

    /** The app's topics and their partition counts, for creation. */
    Map<String, Integer> wanted() {
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
        return wanted;
    }

    /**
     * Returns once every topic exists; waits as long as it takes.
     *
     * @throws InterruptedException if the start is interrupted (SIGTERM, a test)
     * @throws InvalidConfigException if a topic of large records has a {@code max.message.bytes}
     *     below the producer's {@code max.request.size} under exactly-once
     */
    void await() throws InterruptedException {
        Duration pause = FIRST_PAUSE;
        for (int attempt = 1; ; attempt++) {
            String missing = attempt();
            if (missing == null) {
                return;
            }
            LOG.warn("Start waits {} s (attempt {}): {}", pause.toSeconds(), attempt, missing);
            waitingFor.accept(missing);
            Thread.sleep(pause.toMillis());
            Duration doubled = pause.multipliedBy(2);
            pause = doubled.compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : doubled;
        }
    }

    /** One attempt with a client of its own: creating one fails too while no broker resolves. */
    private String attempt() throws InterruptedException {
        try (Admin admin = Admin.create(config.clientProperties())) {
            return attempt(admin);
        } catch (KafkaException e) {
            return "cannot reach the brokers at "
                    + config.bootstrapServers()
                    + " (bootstrap.servers): "
                    + e.getMessage();
        }
    }

    /** One look: null when every topic exists (and was checked), else what the start waits for. */
    private String attempt(Admin admin) throws InterruptedException {
        String missing = missingTopics(admin);
        boolean exactlyOnce = config.exactlyOnce();
        if (missing != null || !exactlyOnce) {
            return missing;
        }
        return checkLargeRecordTopics(admin);
    }

    /**
     * The topics the app writes records of up to the producer's {@code max.request.size} to: the
     * dead letters, the batching topic (an event with its decoded pixels) and the changelog of the
     * pending batches (the same), the last created by Kafka Streams itself.
     */
    private List<String> largeRecordTopics() {
        List<String> topics = new ArrayList<>(List.of(config.topicDlq()));
        if (config.batchingPartitions() > 0) {
            topics.add(config.batchingTopic());
        }
        topics.add(config.applicationId() + "-" + BatchingProcessor.STORE + "-changelog");
        return topics;
    }

    /**
     * Fails the start unless every topic of {@link #largeRecordTopics} that exists takes every
     * record the producer may send: under exactly-once a record the broker refuses aborts the
     * transaction whatever the production handler answers, so the same input record would be read
     * and refused again, forever. (A changelog not created yet gets the producer's limit from
     * {@code topic.max.message.bytes}, {@link AppConfig#streamsProperties}.)
     *
     * @return null once checked, else why the topics' configuration cannot be read yet
     */
    private String checkLargeRecordTopics(Admin admin) throws InterruptedException {
        List<ConfigResource> resources =
                largeRecordTopics().stream()
                        .map(topic -> new ConfigResource(ConfigResource.Type.TOPIC, topic))
                        .toList();
        int maxRequestSize = config.producerMaxRequestSize();
        var described =
                admin.describeConfigs(
                                resources, new DescribeConfigsOptions().timeoutMs(timeoutMs()))
                        .values();
        for (ConfigResource resource : resources) {
            Config topicConfig;
            try {
                topicConfig =
                        described
                                .get(resource)
                                .get(ATTEMPT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                    // the changelog before the first start: Streams creates it at our limit
                    continue;
                }
                return "cannot read the configuration of topic "
                        + resource.name()
                        + ": "
                        + e.getCause();
            } catch (TimeoutException e) {
                return "cannot read the configuration of topic " + resource.name() + ": " + e;
            }
            long maxMessageBytes =
                    Long.parseLong(topicConfig.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG).value());
            if (maxMessageBytes < maxRequestSize) {
                throw new InvalidConfigException(
                        String.format(
                                "topic %s has max.message.bytes=%d, below the producer's"
                                        + " max.request.size=%d (kafka.producer.max.request.size):"
                                        + " under exactly-once a record the broker refuses aborts"
                                        + " the transaction and its input record is read again,"
                                        + " forever; raise the topic's max.message.bytes to at"
                                        + " least that, or lower max.request.size",
                                resource.name(), maxMessageBytes, maxRequestSize));
            }
        }
        return null;
    }

    /** One look (and creation): null when every topic exists, else what is missing. */
    private String missingTopics(Admin admin) throws InterruptedException {
        Set<String> existing;
        try {
            existing =
                    admin.listTopics(new ListTopicsOptions().timeoutMs(timeoutMs()))
                            .names()
                            .get(ATTEMPT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return "cannot list the topics at "
                    + config.bootstrapServers()
                    + " (bootstrap.servers): "
                    + (e instanceof ExecutionException ? e.getCause() : e);
        }
        List<NewTopic> missing = new ArrayList<>();
        List<String> large = largeRecordTopics();
        wanted().forEach(
                        (topic, partitions) -> {
                            if (!existing.contains(topic)) {
                                NewTopic created =
                                        new NewTopic(topic, partitions, config.topicsReplication());
                                if (large.contains(topic)) {
                                    // every record the producer may send, should that exceed the
                                    // broker's
                                    // default
                                    created.configs(
                                            Map.of(
                                                    TopicConfig.MAX_MESSAGE_BYTES_CONFIG,
                                                    Integer.toString(
                                                            config.producerMaxRequestSize())));
                                }
                                missing.add(created);
                            }
                        });
        if (missing.isEmpty()) {
            return null;
        }
        List<String> names = missing.stream().map(NewTopic::name).toList();
        if (!config.topicsCreate()) {
            return "topics "
                    + names
                    + " do not exist at "
                    + config.bootstrapServers()
                    + "; create them, or set topics.create=true";
        }
        List<String> failed = new ArrayList<>();
        admin.createTopics(missing, new CreateTopicsOptions().timeoutMs(timeoutMs()))
                .values()
                .forEach(
                        (topic, future) -> {
                            String why = created(topic, future);
                            if (why != null) {
                                failed.add(why);
                            }
                        });
        if (Thread.interrupted()) {
            throw new InterruptedException("interrupted while creating topics");
        }
        return failed.isEmpty() ? null : String.join("; ", failed);
    }

    /** Null when the topic was created (by this instance or another), else why not. */
    private static String created(String topic, KafkaFuture<Void> future) {
        try {
            future.get(ATTEMPT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            LOG.info("Created topic {}", topic);
            return null;
        } catch (ExecutionException e) {
            return e.getCause() instanceof TopicExistsException
                    ? null
                    : "cannot create topic " + topic + ": " + e.getCause();
        } catch (TimeoutException e) {
            return "creating topic " + topic + " timed out after " + ATTEMPT_TIMEOUT;
        } catch (InterruptedException e) {
            // kept for the caller, which stops waiting
            Thread.currentThread().interrupt();
            return "interrupted while creating topic " + topic;
        }
    }

    private static int timeoutMs() {
        return (int) ATTEMPT_TIMEOUT.toMillis();
    }
}
