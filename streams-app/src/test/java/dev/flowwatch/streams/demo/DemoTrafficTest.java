package dev.flowwatch.streams.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.schemas.FlowwatchSerdes;
import dev.flowwatch.schemas.ImageEvent;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;

class DemoTrafficTest {

    private static final Clock CLOCK =
            Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    private static ImageSet images(int n, long seed) {
        byte[] pixels = new byte[n * 28 * 28];
        new Random(seed).nextBytes(pixels);
        return ImageSet.of(pixels, 1, 28, 28, null, "random " + seed);
    }

    private static DemoTraffic traffic(long seed) {
        return new DemoTraffic(
                images(20, 1), images(10, 2), new DemoTraffic.Mix(0.2, 0.1), seed, CLOCK);
    }

    @Test
    void sameSeedGivesTheSameRecords() {
        DemoTraffic a = traffic(7);
        DemoTraffic b = traffic(7);
        for (int i = 0; i < 300; i++) {
            DemoRecord x = a.next();
            DemoRecord y = b.next();
            assertEquals(x.eventId(), y.eventId());
            assertEquals(x.key(), y.key());
            assertArrayEquals(x.value(), y.value());
        }
    }

    @Test
    void eventIdsNameTheirKindAndInjectedEventsSayWhatWasInjected() {
        DemoTraffic traffic = traffic(3);
        var deserializer = FlowwatchSerdes.imageEvent().deserializer();
        for (TrafficKind kind : TrafficKind.values()) {
            DemoRecord r = traffic.next(kind);
            assertEquals(kind, TrafficKind.ofEventId(r.eventId()).orElseThrow(), r.eventId());
            if (kind == TrafficKind.GARBAGE) {
                continue;
            }
            ImageEvent event = deserializer.deserialize("images", r.value());
            assertEquals(r.eventId(), event.getId());
            assertEquals(
                    kind == TrafficKind.NORMAL ? null : kind.label(),
                    event.getAttributes().get("injected"));
            assertEquals(kind == TrafficKind.WRONG_SHAPE ? 3 : 1, event.getChannels());
        }
    }

    @Test
    void kindsAppearAtTheConfiguredRates() {
        DemoTraffic traffic = traffic(11);
        Map<TrafficKind.Category, Integer> counts = new EnumMap<>(TrafficKind.Category.class);
        int n = 5000;
        for (int i = 0; i < n; i++) {
            counts.merge(traffic.next().kind().category(), 1, Integer::sum);
        }
        assertEquals(0.2, counts.get(TrafficKind.Category.ANOMALY) / (double) n, 0.03);
        assertEquals(0.1, counts.get(TrafficKind.Category.MALFORMED) / (double) n, 0.03);
    }

    @Test
    void normalEventsReplayTheSetInOrder() {
        DemoTraffic traffic =
                new DemoTraffic(images(3, 1), images(2, 2), new DemoTraffic.Mix(0, 0), 1, CLOCK);
        for (int i = 0; i < 7; i++) {
            assertTrue(traffic.next().eventId().startsWith(String.format("fmnist-%05d#", i % 3)));
        }
    }
}
