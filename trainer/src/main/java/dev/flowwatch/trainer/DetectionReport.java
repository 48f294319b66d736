package dev.flowwatch.trainer;

import com.google.gson.JsonObject;

import dev.flowwatch.flowpp.bundle.ModelBundle;
import dev.flowwatch.flowpp.data.ImageSet;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code detection} prints: a text table per anomaly set (the default), or one JSON line per
 * anomaly set and score; both end with each score's worst kind, the one of lowest AUROC, since a
 * score is only as good as the anomalies it misses.
 */
abstract class DetectionReport {

    /**
     * One score on one anomaly set.
     *
     * @param anomalies the anomaly set's short name: a corruption kind or the file's name
     * @param score the score's name, as in the table
     * @param falseAlarms share of held-out normals with p < alpha
     * @param flagged share of anomalies with p < alpha
     * @param normal normal scores compared (images, or windows for typicality)
     * @param anomalous anomalous scores compared
     * @param flaggedByPart for a dose score, the share of anomalies with p < alpha whose score came
     *     from each part, by the part's id (they add up to {@code flagged}); empty for the other
     *     scores
     */
    record Row(
            String anomalies,
            String score,
            double meanNormal,
            double meanAnomalous,
            double auroc,
            double auprc,
            double fpr95,
            double falseAlarms,
            double flagged,
            int normal,
            int anomalous,
            Map<String, Double> flaggedByPart) {}

    protected final PrintWriter out;
    private final List<Row> rows = new ArrayList<>();
    private final List<String> kinds = new ArrayList<>();

    private DetectionReport(PrintWriter out) {
        this.out = out;
    }

    static DetectionReport text(PrintWriter out) {
        return new Text(out);
    }

    static DetectionReport json(PrintWriter out, double alpha) {
        return new Json(out, alpha);
    }

    /** Before any anomaly set: the model and the normal images. */
    abstract void start(ModelBundle bundle, ImageSet normals, int calibration, double alpha);

    /** Before the rows of one anomaly set. */
    void anomalies(String name, ImageSet images) {
        kinds.add(name);
    }

    void row(Row row) {
        rows.add(row);
    }

    /** After the last anomaly set: each score's worst kind. */
    abstract void finish();

    int kinds() {
        return kinds.size();
    }

    /** Each score's row of lowest AUROC, in the order the scores first appeared. */
    Map<String, Row> worstKinds() {
        Map<String, Row> worst = new LinkedHashMap<>();
        Comparator<Row> byAuroc = Comparator.comparingDouble(Row::auroc);
        for (Row row : rows) {
            if (Double.isNaN(row.auroc())) {
                worst.putIfAbsent(row.score(), null);
                continue;
            }
            worst.merge(row.score(), row, (old, now) -> byAuroc.compare(now, old) < 0 ? now : old);
        }
        return worst;
    }

    /** The text table, one per anomaly set, and the worst kinds when there are several sets. */
    private static final class Text extends DetectionReport {

        Text(PrintWriter out) {
            super(out);
        }

        @Override
        void start(ModelBundle bundle, ImageSet normals, int calibration, double alpha) {
            out.printf(
                    "model %s (%s)%nnormal    %s: %d images (calibration %d, held out %d)%n"
                            + "alpha %s%n",
                    bundle.manifest().modelId(),
                    bundle.manifest().modelVersion(),
                    normals.description(),
                    normals.size(),
                    calibration,
                    normals.size() - calibration,
                    alpha);
            bundle.background()
                    .ifPresent(
                            b ->
                                    out.printf(
                                            "background %s (%s)%n",
                                            b.manifest().modelId(), b.manifest().modelVersion()));
        }

        @Override
        void anomalies(String name, ImageSet images) {
            super.anomalies(name, images);
            out.printf("%nanomalous %s: %d images%n", images.description(), images.size());
            out.printf(
                    "%-20s %8s %8s %8s %8s %8s | %12s %12s%n",
                    "score",
                    "mean N",
                    "mean A",
                    "AUROC",
                    "AUPRC",
                    "FPR@95",
                    "false alarms",
                    "detected");
        }

        @Override
        void row(Row row) {
            super.row(row);
            out.printf(
                    "%-20s %8.3f %8.3f %8.3f %8.3f %8.3f | %12.4f %12.4f%n",
                    row.score(),
                    row.meanNormal(),
                    row.meanAnomalous(),
                    row.auroc(),
                    row.auprc(),
                    row.fpr95(),
                    row.falseAlarms(),
                    row.flagged());
            if (!row.flaggedByPart().isEmpty()) {
                StringBuilder parts = new StringBuilder();
                row.flaggedByPart()
                        .forEach(
                                (part, share) ->
                                        parts.append(String.format(" %s %.4f", part, share)));
                out.printf("%-20s detected by part:%s%n", "", parts);
            }
        }

        @Override
        void finish() {
            if (kinds() < 2) {
                return;
            }
            out.printf("%nworst of %d kinds per score (lowest AUROC)%n", kinds());
            out.printf("%-20s %-20s %8s %12s%n", "score", "anomalies", "AUROC", "detected");
            worstKinds()
                    .forEach(
                            (score, row) ->
                                    out.printf(
                                            "%-20s %-20s %8.3f %12.4f%n",
                                            score,
                                            row == null ? "-" : row.anomalies(),
                                            row == null ? Double.NaN : row.auroc(),
                                            row == null ? Double.NaN : row.flagged()));
        }
    }

    /**
     * One JSON object per line: a line per (anomaly set, score), then per score a line with its
     * worst kind. Non-finite numbers are null, since JSON has no NaN.
     */
    private static final class Json extends DetectionReport {

        private final double alpha;

        Json(PrintWriter out, double alpha) {
            super(out);
            this.alpha = alpha;
        }

        @Override
        void start(ModelBundle bundle, ImageSet normals, int calibration, double alpha) {}

        @Override
        void row(Row row) {
            super.row(row);
            JsonObject line = new JsonObject();
            line.addProperty("anomalies", row.anomalies());
            line.addProperty("score", row.score());
            metrics(line, row);
            number(line, "mean_normal", row.meanNormal());
            number(line, "mean_anomalous", row.meanAnomalous());
            line.addProperty("n_normal", row.normal());
            line.addProperty("n_anomalous", row.anomalous());
            if (!row.flaggedByPart().isEmpty()) {
                JsonObject parts = new JsonObject();
                row.flaggedByPart().forEach(parts::addProperty);
                line.add("flagged_by_part", parts);
            }
            line.addProperty("alpha", alpha);
            out.println(line);
        }

        @Override
        void finish() {
            worstKinds()
                    .forEach(
                            (score, row) -> {
                                JsonObject line = new JsonObject();
                                line.addProperty("score", score);
                                line.addProperty("worst", row == null ? null : row.anomalies());
                                if (row != null) {
                                    metrics(line, row);
                                }
                                line.addProperty("kinds", kinds());
                                line.addProperty("alpha", alpha);
                                out.println(line);
                            });
        }

        private static void metrics(JsonObject line, Row row) {
            number(line, "auroc", row.auroc());
            number(line, "auprc", row.auprc());
            number(line, "fpr95", row.fpr95());
            number(line, "flagged", row.flagged());
            number(line, "false_alarms", row.falseAlarms());
        }

        private static void number(JsonObject line, String key, double value) {
            line.addProperty(key, Double.isFinite(value) ? value : null);
        }
    }
}
