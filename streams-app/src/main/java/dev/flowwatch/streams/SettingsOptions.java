package dev.flowwatch.streams;

import dev.flowwatch.streams.config.AppConfig;
import dev.flowwatch.streams.config.InvalidConfigException;

import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The app's settings as every command that reads them takes them: a file, the environment, -D. */
final class SettingsOptions {

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

    /**
     * @throws InvalidConfigException naming the key of a missing or invalid setting
     */
    AppConfig load() {
        return AppConfig.load(config, System.getenv(), overrides);
    }
}
