package dev.flowwatch.trainer;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.util.concurrent.Callable;

/** {@code evaluate}: the test bits/dim of a model on a data set. */
@Command(
        name = "evaluate",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Measures a model's mean bits/dim on images (lower is better).")
final class EvaluateCommand implements Callable<Integer> {

    @Spec private CommandSpec spec;

    @Mixin private ModelOption model;

    @Mixin private DataOption data;

    @Mixin private ScoringOptions scoring;

    @Mixin private DeviceOption device;

    @Option(
            names = "--json",
            description =
                    "Print one JSON object: images, bpd_elbo, bpd_iw, iw_samples,"
                            + " images_per_second.")
    private boolean json;

    @Override
    public Integer call() throws IOException {
        ModelScoring.Scored scored =
                new ModelScoring(scoring)
                        .scoreDataSet(model.bundle(), data.path(), device::newManager);
        Evaluation evaluation = Evaluation.of(scored);
        if (json) {
            spec.commandLine().getOut().println(evaluation.toJson());
        } else {
            spec.commandLine()
                    .getOut()
                    .printf(
                            "model %s (%s) on %s%n%s%n",
                            scored.model().modelId(),
                            scored.model().modelVersion(),
                            scored.images().description(),
                            evaluation.summary());
        }
        return 0;
    }
}
