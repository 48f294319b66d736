package dev.flowwatch.flowpp.model;

import ai.djl.Device;
import ai.djl.engine.Engine;

/** Parses the device names of the CLIs and configs: auto, cpu, gpu, gpu:N. */
public final class Devices {

    private Devices() {}

    /** "auto" takes the first GPU when the engine sees one, else the CPU. */
    public static Device parse(String name) {
        String n = name.trim().toLowerCase(java.util.Locale.ROOT);
        int gpus = Engine.getInstance().getGpuCount();
        if (n.equals("auto")) {
            return gpus > 0 ? Device.gpu() : Device.cpu();
        }
        if (n.equals("cpu")) {
            return Device.cpu();
        }
        if (n.equals("gpu") || n.startsWith("gpu:")) {
            int id = 0;
            if (n.startsWith("gpu:")) {
                try {
                    id = Integer.parseInt(n.substring(4));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(
                            "device '" + name + "': expected gpu:N with a number N");
                }
            }
            if (id < 0 || id >= gpus) {
                throw new IllegalArgumentException(
                        "device '"
                                + name
                                + "': the engine sees "
                                + gpus
                                + " GPU(s); use cpu or auto (a CUDA libtorch must be on"
                                + " PYTORCH_LIBRARY_PATH)");
            }
            return Device.gpu(id);
        }
        throw new IllegalArgumentException(
                "device '" + name + "': expected auto, cpu, gpu or gpu:N");
    }
}
