package dev.flowwatch.streams;

import dev.flowwatch.flowpp.bundle.BundleException;
import dev.flowwatch.schemas.SchemaRegistryException;
import dev.flowwatch.schemas.SchemaRegistryUnavailableException;
import dev.flowwatch.streams.config.AppConfig;
import dev.flowwatch.streams.config.InvalidConfigException;

import org.apache.kafka.streams.KafkaStreams;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
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

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "Properties file with the settings.")
    private Path config;

    @Option(
            names = "-D",
            paramLabel = "KEY=VALUE",
            mapFallbackValue = "",
            description =
                    "A setting, overriding the file and the environment (e.g."
                            + " -Dbatch.max.size=128).")
    private Map<String, String> overrides = new LinkedHashMap<>();

    @Spec private CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        AppConfig appConfig;
        try {
            appConfig = AppConfig.load(config, System.getenv(), overrides);
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
