package dev.flowwatch.flowpp.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;

/**
 * Parses the device names of the CLIs and configs: auto, cpu, gpu, gpu:N. Each choice is logged
 * once, in plain words, with its reason: DJL's own GPU probe warns while the engine loads on
 * machines whose CUDA runtime has no usable driver, and the logging configurations of the
 * applications silence that warning in favour of this line.
 */
public final class Devices {

    private static final Logger LOG = LoggerFactory.getLogger(Devices.class);

    private Devices() {}

    /** "auto" takes the first GPU when the engine sees one, else the CPU. */
    public static Device parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        Engine engine = Engine.getInstance();
        int gpus = engine.getGpuCount();
        if (n.equals("auto")) {
            if (gpus > 0) {
                LOG.info("device gpu(0): 'auto' takes the first of the {} GPU(s) it sees", gpus);
                return Device.gpu();
            }
            LOG.info("device cpu: 'auto' sees no GPU, because {}", whyNoGpu(engine));
            return Device.cpu();
        }
        if (n.equals("cpu")) {
            LOG.info("device cpu, as asked");
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
            LOG.info("device gpu({}), as asked", id);
            return Device.gpu(id);
        }
        throw new IllegalArgumentException(
                "device '" + name + "': expected auto, cpu, gpu or gpu:N");
    }

    private static String whyNoGpu(Engine engine) {
        if (!engine.hasCapability(StandardCapabilities.CUDA)) {
            return "the "
                    + engine.getEngineName()
                    + " engine is a CPU-only build (a CUDA build on PYTORCH_LIBRARY_PATH can use"
                    + " one)";
        }
        return "CUDA finds no device or no driver new enough for its runtime (DJL's probe says"
                + " which at -Dorg.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils=warn)";
    }
}
