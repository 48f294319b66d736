package dev.flowwatch.trainer;

import dev.flowwatch.trainer.report.ScoresCsv;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code score}: per-image likelihoods as CSV, e.g. to pick an anomaly threshold. */
@Command(
        name = "score",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Writes one CSV row per image: index,label,elbo_nats,elbo_bpd[,iw_nats,iw_bpd].",
            "The label is empty when the data has none; the iw columns appear with --iw-samples."
        })
final class ScoreCommand implements Callable<Integer> {

    @Spec private CommandSpec spec;

    @Mixin private ModelOption model;

    @Mixin private DataOption data;

    @Mixin private ScoringOptions scoring;

    @Mixin private DeviceOption device;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "FILE",
            description = "The CSV file to write.")
    private Path out;

    @Override
    public Integer call() throws IOException {
        ModelScoring.Scored scored =
                new ModelScoring(scoring)
                        .scoreDataSet(model.bundle(), data.path(), device::newManager);
        ScoresCsv.write(out, scored.images(), scored.scores());
        spec.commandLine()
                .getOut()
                .printf("%d scores written to %s%n", scored.images().size(), out);
        return 0;
    }
}
