package dev.flowwatch.schemas;

import java.time.Instant;

/** One filled-in record of each type, with every optional field set. */
final class Samples {

    static final Instant EVENT_TIME = Instant.parse("2025-01-02T03:04:05.678Z");

    private Samples() {}

    static ImageEvent imageEvent() {
        ImageEvent event =
                ImageEvents.rawU8(
                        "evt-1",
                        "line-7/cam-2",
                        EVENT_TIME,
                        3,
                        2,
                        1,
                        new byte[] {0, 1, 2, (byte) 253, (byte) 254, (byte) 255});
        event.getAttributes().put("lot", "A-113");
        return event;
    }

    static AnomalyScore anomalyScore() {
        return AnomalyScore.newBuilder()
                .setEventId("evt-1")
                .setSource("line-7/cam-2")
                .setEventTime(EVENT_TIME)
                .setScoredTime(EVENT_TIME.plusMillis(42))
                .setModelId("flowpp-mnist")
                .setModelVersion("3")
                .setElboNats(2000.5)
                .setElboBpd(3.68)
                .setIwBpd(3.61)
                .setIwSamples(64)
                .setScore(3.61)
                .setScoreKind("iw_bpd")
                .setThreshold(3.2)
                .setPValue(0.001)
                .setIsAnomaly(true)
                .build();
    }

    static AnomalyAlert anomalyAlert() {
        return AnomalyAlert.newBuilder()
                .setEventId("evt-1")
                .setSource("line-7/cam-2")
                .setScore(3.61)
                .setScoreKind("iw_bpd")
                .setThreshold(3.2)
                .setPValue(0.001)
                .setSeverity(Severity.HIGH)
                .setModelId("flowpp-mnist")
                .setModelVersion("3")
                .setEventTime(EVENT_TIME)
                .setAlertTime(EVENT_TIME.plusMillis(50))
                .setReason("iw_bpd 3.61 above threshold 3.2 (p=0.001)")
                .build();
    }
}
