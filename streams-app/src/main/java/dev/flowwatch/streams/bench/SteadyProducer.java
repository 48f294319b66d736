package dev.flowwatch.streams.bench;

import dev.flowwatch.flowpp.model.FlowConfig;
import dev.flowwatch.schemas.FlowwatchSerdes;
import dev.flowwatch.schemas.ImageEvent;
import dev.flowwatch.schemas.ImageEvents;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Sends events of random pixels, keyed and identified {@code event-N}, at a steady rate on a thread
 * of its own, every {@code malformedEvery}-th of them malformed (in turn: bytes that are no Avro
 * event, an image one column wider than the model's, an event cut in half), and keeps which ones
 * the broker acknowledged.
 */
final class SteadyProducer {

    private final KafkaProducer<byte[], byte[]> producer;
    private final Set<String> valid = ConcurrentHashMap.newKeySet();
    private final Set<String> malformed = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    /**
     * @param malformedEvery every this many events one is malformed; 0 for none
     */
    SteadyProducer(String bootstrap, String topic, FlowConfig shape, int rate, int malformedEvery) {
        producer =
                new KafkaProducer<>(
                        Map.of(
                                "bootstrap.servers",
                                bootstrap,
                                "acks",
                                "all",
                                "enable.idempotence",
                                true,
                                "linger.ms",
                                5),
                        new ByteArraySerializer(),
                        new ByteArraySerializer());
        Serializer<ImageEvent> serializer = FlowwatchSerdes.imageEvent().serializer();
        thread =
                new Thread(
                        () -> {
                            Random random = new Random(7);
                            long period = TimeUnit.SECONDS.toNanos(1) / rate;
                            long next = System.nanoTime();
                            for (long i = 0, bad = 0; running.get(); i++) {
                                String id = "event-" + i;
                                boolean isMalformed =
                                        malformedEvery > 0
                                                && i % malformedEvery == malformedEvery - 1;
                                byte[] value =
                                        isMalformed
                                                ? malformed(
                                                        bad++, id, shape, random, serializer, topic)
                                                : serializer.serialize(
                                                        topic, event(id, shape, 0, random));
                                Set<String> acked = isMalformed ? malformed : valid;
                                producer.send(
                                        new ProducerRecord<>(
                                                topic, id.getBytes(StandardCharsets.UTF_8), value),
                                        (metadata, e) -> {
                                            if (e == null) {
                                                acked.add(id);
                                            }
                                        });
                                next += period;
                                long sleep = next - System.nanoTime();
                                if (sleep > 0) {
                                    try {
                                        TimeUnit.NANOSECONDS.sleep(sleep);
                                    } catch (InterruptedException e) {
                                        return;
                                    }
                                }
                            }
                        },
                        "steady-producer");
        thread.start();
    }

    private static ImageEvent event(String id, FlowConfig shape, int extraColumns, Random random) {
        int width = shape.width() + extraColumns;
        byte[] image = new byte[shape.channels() * shape.height() * width];
        random.nextBytes(image);
        return ImageEvents.rawU8(
                id, "chaos", Instant.now(), width, shape.height(), shape.channels(), image);
    }

    private static byte[] malformed(
            long n,
            String id,
            FlowConfig shape,
            Random random,
            Serializer<ImageEvent> serializer,
            String topic) {
        return switch ((int) (n % 3)) {
            case 0 -> {
                // no single-object marker (C3 01), so never taken for an unknown schema
                byte[] garbage = new byte[64];
                random.nextBytes(garbage);
                garbage[0] = 0x7F;
                yield garbage;
            }
            case 1 -> serializer.serialize(topic, event(id, shape, 1, random));
            default -> {
                byte[] whole = serializer.serialize(topic, event(id, shape, 0, random));
                yield Arrays.copyOf(whole, whole.length / 2);
            }
        };
    }

    /** Stops sending; returns the valid events the broker acknowledged. Idempotent. */
    long stop() throws InterruptedException {
        if (running.getAndSet(false)) {
            thread.join();
            producer.close(Duration.ofSeconds(30));
        }
        return valid.size();
    }

    /** The valid events the broker acknowledged, by id. */
    Set<String> valid() {
        return valid;
    }

    /** The malformed events the broker acknowledged, by id. */
    Set<String> malformed() {
        return malformed;
    }
}
