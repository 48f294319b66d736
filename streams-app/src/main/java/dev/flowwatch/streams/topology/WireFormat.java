package dev.flowwatch.streams.topology;

import dev.flowwatch.schemas.AnomalyAlert;
import dev.flowwatch.schemas.AnomalyScore;
import dev.flowwatch.schemas.FlowwatchSerdes;
import dev.flowwatch.schemas.FramedAvroDeserializer;
import dev.flowwatch.schemas.ImageEvent;
import dev.flowwatch.schemas.RegistryAvroSerializer;
import dev.flowwatch.schemas.SchemaRegistryClient;
import dev.flowwatch.streams.config.AppConfig;
import dev.flowwatch.streams.config.OutputFormat;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * How the app reads images and writes scores and alerts: Avro single-object encoding, or, with a
 * schema registry, every registry framing on input and the Confluent frame on output.
 *
 * @param images reads the images topic (the record's headers may name the writer schema)
 * @param scores writes the scores topic
 * @param alerts writes the alerts topic
 */
public record WireFormat(
        Deserializer<ImageEvent> images,
        Serializer<AnomalyScore> scores,
        Serializer<AnomalyAlert> alerts) {

    /** Single-object encoding in and out, no registry. */
    public static WireFormat singleObject() {
        return new WireFormat(
                FramedAvroDeserializer.withoutRegistry(ImageEvent.class),
                FlowwatchSerdes.anomalyScore().serializer(),
                FlowwatchSerdes.anomalyAlert().serializer());
    }

    /**
     * The wire format {@code config} asks for. With {@code output.format=registry} the output
     * schemas are registered now, under {@code <topic>-value} (the subject stock serializers use),
     * so that a refusal stops the start naming the subject.
     *
     * @param events told of the registry's look-ups, cache hits and failures
     * @throws dev.flowwatch.schemas.SchemaRegistryException naming the subject, if the registry
     *     refuses an output schema
     * @throws dev.flowwatch.schemas.SchemaRegistryUnavailableException if it cannot answer
     */
    public static WireFormat of(AppConfig config, SchemaRegistryClient.Listener events) {
        if (config.schemaRegistry().isEmpty()) {
            return singleObject();
        }
        SchemaRegistryClient registry =
                new SchemaRegistryClient(config.schemaRegistry().get(), events);
        Deserializer<ImageEvent> images =
                FramedAvroDeserializer.withRegistry(ImageEvent.class, registry);
        if (config.outputFormat() == OutputFormat.SINGLE_OBJECT) {
            return new WireFormat(
                    images,
                    FlowwatchSerdes.anomalyScore().serializer(),
                    FlowwatchSerdes.anomalyAlert().serializer());
        }
        return new WireFormat(
                images,
                RegistryAvroSerializer.register(
                        AnomalyScore.class, registry, config.topicScores() + "-value"),
                RegistryAvroSerializer.register(
                        AnomalyAlert.class, registry, config.topicAlerts() + "-value"));
    }
}
