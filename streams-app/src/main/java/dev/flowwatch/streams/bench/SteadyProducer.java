package dev.flowwatch.streams.bench;

import dev.flowwatch.flowpp.model.FlowConfig;
import dev.flowwatch.schemas.FlowwatchSerdes;
import dev.flowwatch.schemas.ImageEvent;
import dev.flowwatch.schemas.ImageEvents;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Sends events of random pixels, keyed and identified {@code event-N}, at a steady rate on a thread
 * of its own, and keeps which ones the broker acknowledged.
 */
final class SteadyProducer {

    private final KafkaProducer<byte[], byte[]> producer;
    private final Map<String, Boolean> acked = new ConcurrentHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    SteadyProducer(String bootstrap, String topic, FlowConfig shape, int rate) {
        producer =
                new KafkaProducer<>(
                        Map.of(
                                "bootstrap.servers", bootstrap,
                                "acks", "all",
                                "enable.idempotence", true,
                                "linger.ms", 5),
                        new ByteArraySerializer(),
                        new ByteArraySerializer());
        var serializer = FlowwatchSerdes.imageEvent().serializer();
        thread =
                new Thread(
                        () -> {
                            Random pixels = new Random(7);
                            long period = TimeUnit.SECONDS.toNanos(1) / rate;
                            long next = System.nanoTime();
                            for (long i = 0; running.get(); i++) {
                                String id = "event-" + i;
                                byte[] image =
                                        new byte
                                                [shape.channels()
                                                        * shape.height()
                                                        * shape.width()];
                                pixels.nextBytes(image);
                                ImageEvent event =
                                        ImageEvents.rawU8(
                                                id,
                                                "chaos",
                                                Instant.now(),
                                                shape.width(),
                                                shape.height(),
                                                shape.channels(),
                                                image);
                                producer.send(
                                        new ProducerRecord<>(
                                                topic,
                                                id.getBytes(StandardCharsets.UTF_8),
                                                serializer.serialize(topic, event)),
                                        (metadata, e) -> {
                                            if (e == null) {
                                                acked.put(id, true);
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
                        "chaos-producer");
        thread.start();
    }

    /** Stops sending; returns the events the broker acknowledged. Idempotent. */
    long stop() throws InterruptedException {
        if (running.getAndSet(false)) {
            thread.join();
            producer.close(Duration.ofSeconds(30));
        }
        return sent();
    }

    long sent() {
        return acked.size();
    }

    Iterable<String> ids() {
        return acked.keySet();
    }
}
