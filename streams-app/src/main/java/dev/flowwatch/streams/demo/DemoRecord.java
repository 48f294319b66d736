package dev.flowwatch.streams.demo;

import java.time.Instant;

/**
 * One record of demo traffic as it goes on the wire.
 *
 * @param key the record key: the event's source
 * @param value the serialized ImageEvent, or deliberately broken bytes for malformed kinds
 * @param eventId the event id (also for malformed records, whose bytes may not contain it)
 * @param kind what the record is
 * @param eventTime the event's capture time
 */
public record DemoRecord(
        String key, byte[] value, String eventId, TrafficKind kind, Instant eventTime) {}
