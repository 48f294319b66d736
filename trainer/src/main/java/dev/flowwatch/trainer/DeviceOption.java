package dev.flowwatch.trainer;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;

import dev.flowwatch.flowpp.model.Devices;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The {@code --device} option of every command that runs a model, benchmarks included. */
public final class DeviceOption {

    @Spec(Spec.Target.MIXEE)
    private CommandSpec command;

    // Parsed when used, not by a converter: finding the GPUs loads the engine, which --help should
    // not.
    @Option(
            names = "--device",
            defaultValue = "auto",
            paramLabel = "DEVICE",
            description = "auto, cpu, gpu or gpu:N (default: ${DEFAULT-VALUE}).")
    private String name;

    /** A new manager on the chosen device; the caller closes it. */
    public NDManager newManager() {
        Device device;
        try {
            device = Devices.parse(name);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(
                    command.commandLine(),
                    "Invalid value for option '--device': " + e.getMessage());
        }
        return NDManager.newBaseManager(device);
    }
}
