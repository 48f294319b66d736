package dev.flowwatch.streams;

import dev.flowwatch.streams.config.AppConfig;
import dev.flowwatch.streams.config.InvalidConfigException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.streams.StreamsConfig;
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
 * that the dead-letter topic takes what the producer may send.
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
     * @throws InvalidConfigException if the dead-letter topic's {@code max.message.bytes} is below
     *     the producer's {@code max.request.size} under exactly-once
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
        boolean exactlyOnce = StreamsConfig.EXACTLY_ONCE_V2.equals(config.processingGuarantee());
        if (missing != null || !exactlyOnce) {
            return missing;
        }
        return checkDeadLetterTopic(admin);
    }

    /**
     * Fails the start unless the dead-letter topic takes every record the producer may send: under
     * exactly-once a dead letter the broker refuses aborts the transaction whatever the production
     * handler answers, so the same input record would be read and refused again, forever.
     *
     * @return null once checked, else why the topic's configuration cannot be read yet
     */
    private String checkDeadLetterTopic(Admin admin) throws InterruptedException {
        String topic = config.topicDlq();
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Config topicConfig;
        try {
            topicConfig =
                    admin.describeConfigs(
                                    List.of(resource),
                                    new DescribeConfigsOptions().timeoutMs(timeoutMs()))
                            .all()
                            .get(ATTEMPT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                            .get(resource);
        } catch (ExecutionException | TimeoutException e) {
            return "cannot read the configuration of topic "
                    + topic
                    + ": "
                    + (e instanceof ExecutionException ? e.getCause() : e);
        }
        ConfigEntry entry = topicConfig.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
        long maxMessageBytes = Long.parseLong(entry.value());
        int maxRequestSize = config.producerMaxRequestSize();
        if (maxMessageBytes < maxRequestSize) {
            throw new InvalidConfigException(
                    String.format(
                            "topic %s has max.message.bytes=%d, below the producer's"
                                    + " max.request.size=%d (kafka.producer.max.request.size):"
                                    + " under exactly-once a dead letter the broker refuses aborts"
                                    + " the transaction and its input record is read again, forever;"
                                    + " raise the topic's max.message.bytes to at least that, or"
                                    + " lower max.request.size",
                            topic,
                            maxMessageBytes,
                            maxRequestSize));
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
        wanted().forEach(
                (topic, partitions) -> {
                    if (!existing.contains(topic)) {
                        missing.add(new NewTopic(topic, partitions, config.topicsReplication()));
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
