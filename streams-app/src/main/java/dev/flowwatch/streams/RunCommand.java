package dev.flowwatch.streams;

import dev.flowwatch.flowpp.bundle.BundleException;
import dev.flowwatch.schemas.SchemaRegistryException;
import dev.flowwatch.schemas.SchemaRegistryUnavailableException;
import dev.flowwatch.streams.config.AppConfig;
import dev.flowwatch.streams.config.InvalidConfigException;

import org.apache.kafka.streams.KafkaStreams;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code run}: starts the app and keeps it running until SIGTERM (or a fatal error). */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the scorer until SIGTERM.",
            "Settings come from --config, FLOWWATCH_* environment variables and -D, the last"
                    + " winning.",
            "See the README's Configuration table for the keys; kafka.* keys go to the Kafka"
                    + " clients."
        })
final class RunCommand implements Callable<Integer> {

    @Mixin private SettingsOptions settings;

    @Spec private CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        AppConfig appConfig;
        try {
            appConfig = settings.load();
        } catch (InvalidConfigException e) {
            err.println("Invalid configuration: " + e.getMessage());
            return 2;
        }
        FlowwatchApp app;
        try {
            app = FlowwatchApp.start(appConfig);
        } catch (BundleException
                | IllegalArgumentException
                | IllegalStateException
                | SchemaRegistryException
                | SchemaRegistryUnavailableException e) {
            // a registry that refuses or cannot take the output schemas: the message names it
            err.println("Cannot start: " + e.getMessage());
            return 1;
        }
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    app.close();
                                    closed.countDown();
                                },
                                "flowwatch-shutdown"));
        KafkaStreams.State end = app.stopped().join();
        if (end == KafkaStreams.State.ERROR) {
            err.println("Kafka Streams stopped after a fatal error; see the log above.");
            app.close();
            return 1;
        }
        closed.await();
        return 0;
    }
}
