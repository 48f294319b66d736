package dev.flowwatch.trainer;

import dev.flowwatch.flowpp.model.LikelihoodScorer;
import dev.flowwatch.flowpp.score.AnomalyScores;
import dev.flowwatch.flowpp.score.Calibration;
import dev.flowwatch.flowpp.score.DoseModel;
import dev.flowwatch.flowpp.score.DoseStatistics;
import dev.flowwatch.flowpp.score.ScoreKind;
import dev.flowwatch.trainer.report.ScoresCsv;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code score}: per-image likelihoods, statistics and anomaly scores as CSV. */
@Command(
        name = "score",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Writes one CSV row per image: index,label,elbo_nats,elbo_bpd[,iw_nats,iw_bpd]"
                    + "[,background_bpd], the ELBO's terms in bits/dim (dequantization, logit,"
                    + " level<k>_prior, level<k>_logdet, level<k>_share),",
            "the input complexity complexity_<compressor>, the bits/dim less it"
                    + " bpd_minus_<compressor> (the complexity score, as a statistic of dose),"
                    + " sharpness, saturation, intensity_p99, the layout layout_<moment>,"
                    + " shape_distance when the calibration's dose judges shapes, shape_blend_gain"
                    + " when it judges blends of them, outline (how faint the outline is against"
                    + " the body), orientation (nats)"
                    + " when the bundle has an orientation network,",
            "then one column per score kind:"
                    + " bpd, bpd_iw, complexity, likelihood_ratio, dose, each where the bundle"
                    + " and the options allow it",
            "(dose and the compressor come from the bundle's calibration; png without one),"
                    + " <kind>_p_value for every calibrated kind, and last, with dose, dose_part:"
                    + " the part that made each dose score (density, shape, blend, outline,"
                    + " orientation).",
            "The label is empty when the data has none; the iw columns appear with --iw-samples."
        })
final class ScoreCommand implements Callable<Integer> {

    private static final String SHAPE_DISTANCE = "shape_distance";
    private static final String BLEND_GAIN = "shape_blend_gain";
    private static final String DOSE_PART = "dose_part";
    private static final String ORIENTATION = "orientation";
    private static final String OUTLINE = "outline";

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
        requireOutputApart();
        Optional<Calibration> calibration = Calibration.find(model.bundle());
        if (scoring.iwSamples() > 0 && calibration.isPresent()) {
            calibration
                    .get()
                    .iwSamplesConflict(
                            scoring.iwSamples(),
                            model.bundle(),
                            "--iw-samples " + scoring.iwSamples(),
                            theirs -> "score with --iw-samples " + theirs)
                    .ifPresent(
                            why -> {
                                throw new ParameterException(spec.commandLine(), why);
                            });
        }
        ModelScoring.Scored scored =
                new ModelScoring(scoring)
                        .scoreDataSet(model.bundle(), data.path(), device::newManager);
        LikelihoodScorer.Scores s = scored.scores();
        AnomalyScores anomalyScores =
                calibration
                        .map(AnomalyScores::of)
                        .orElse(new AnomalyScores(AnomalyScores.DEFAULT_COMPRESSOR));
        Map<String, double[]> columns = new LinkedHashMap<>();
        Map<String, String[]> words = new LinkedHashMap<>();
        columns.put("elbo_nats", s.elboNats());
        columns.put("elbo_bpd", s.elboBitsPerDim());
        if (s.iwNats() != null) {
            columns.put("iw_nats", s.iwNats());
            columns.put("iw_bpd", s.iwBitsPerDim());
        }
        boolean background = s.backgroundBitsPerDim() != null;
        List<String> statistics =
                DoseStatistics.names(s.terms(), anomalyScores.compressor(), true, background);
        AnomalyScores.Batch batch = anomalyScores.batch(s, scored.images());
        double[][] vectors = batch.statistics(statistics);
        for (int j = 0; j < statistics.size(); j++) {
            int column = j;
            columns.put(
                    statistics.get(j),
                    Arrays.stream(vectors).mapToDouble(v -> v[column]).toArray());
        }
        Optional<DoseModel> dose = calibration.flatMap(Calibration::dose);
        if (dose.map(DoseModel::usesShape).orElse(false)) {
            columns.put(SHAPE_DISTANCE, batch.shapeDistances());
        }
        if (dose.map(DoseModel::usesBlend).orElse(false)) {
            columns.put(BLEND_GAIN, batch.blendGains());
        }
        columns.put(OUTLINE, batch.outlines());
        if (s.orientation() != null) {
            columns.put(ORIENTATION, s.orientation());
        }
        for (ScoreKind kind : ScoreKind.values()) {
            boolean possible =
                    switch (kind) {
                        case BPD, COMPLEXITY -> true;
                        case BPD_IW -> s.iwNats() != null;
                        case LIKELIHOOD_RATIO -> background;
                        case DOSE -> calibration.map(c -> c.has(ScoreKind.DOSE)).orElse(false);
                    };
            if (!possible) {
                continue;
            }
            double[] values;
            if (kind == ScoreKind.DOSE) {
                DoseModel.Judgement[] judgements = batch.doseJudgements();
                values = DoseModel.Judgement.scores(judgements);
                words.put(
                        DOSE_PART,
                        Arrays.stream(judgements).map(j -> j.part().id()).toArray(String[]::new));
            } else {
                values = batch.scores(kind);
            }
            columns.put(kind.id(), values);
            if (calibration.isPresent() && calibration.get().has(kind)) {
                columns.put(
                        kind.id() + "_p_value",
                        Arrays.stream(values)
                                .map(v -> calibration.get().pValue(kind, v))
                                .toArray());
            }
        }
        ScoresCsv.write(out, scored.images(), columns, words);
        spec.commandLine()
                .getOut()
                .printf("%d scores written to %s%n", scored.images().size(), out);
        return 0;
    }

    /** The CSV would replace the images it scores, or a file of the model it scores them with. */
    private void requireOutputApart() throws IOException {
        Path target = out.toAbsolutePath().normalize();
        Path images = data.path().toAbsolutePath().normalize();
        boolean isData =
                target.equals(images) || (Files.exists(target) && Files.isSameFile(target, images));
        if (isData || target.startsWith(model.bundle().toAbsolutePath().normalize())) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--out "
                            + out
                            + ": would write over "
                            + (isData ? "the --data it scores" : "a file of the --model bundle")
                            + "; write the scores elsewhere");
        }
    }
}
