package dev.flowwatch.streams;

import dev.flowwatch.streams.config.AppConfig;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
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
import java.util.function.Consumer;

/**
 * Waits until the brokers answer and every topic the app reads or writes exists, creating the
 * missing ones when {@code topics.create=true}. Kafka Streams itself would start without them and
 * then replace its threads forever (a missing output topic) or stop (a missing input topic);
 * exiting instead would crash-loop the pod while the brokers are down. So the start waits, with a
 * growing pause, and says why on {@code /ready} and in the log.
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

    /** One look (and creation): null when every topic exists, else what is missing. */
    private String attempt(Admin admin) throws InterruptedException {
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
