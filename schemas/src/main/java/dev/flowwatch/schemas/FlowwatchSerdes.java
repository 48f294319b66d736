package dev.flowwatch.schemas;

/** The Serdes of flowwatch's topics, each reading every historical version of its record. */
public final class FlowwatchSerdes {

    private FlowwatchSerdes() {}

    public static AvroSerde<ImageEvent> imageEvent() {
        return AvroSerde.forRecord(ImageEvent.class);
    }

    public static AvroSerde<AnomalyScore> anomalyScore() {
        return AvroSerde.forRecord(AnomalyScore.class);
    }

    public static AvroSerde<AnomalyAlert> anomalyAlert() {
        return AvroSerde.forRecord(AnomalyAlert.class);
    }
}
