package dev.flowwatch.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;

import dev.flowwatch.flowpp.bundle.ModelBundle;
import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.data.ImageSets;
import dev.flowwatch.flowpp.model.LikelihoodScorer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The CSV of {@link Cli#scoreAsStreamed}, row by row next to the library's own scores of the same
 * image, scored as the stream scores it, with the stream's noise seed.
 */
final class ScoredAsStreamed {

    /** One row of the CSV, its cells by column name. */
    interface Row {
        double number(String column);

        String word(String column);
    }

    /** What a test asserts of one row. */
    interface RowCheck {
        /**
         * @param image the row's image, alone
         * @param library the library's scores of it
         * @param cell the row's cells
         */
        void check(ImageSet image, LikelihoodScorer.Scores library, Row cell);
    }

    private ScoredAsStreamed() {}

    /** Runs {@code score} of {@code data} by {@code model} into {@code csv}, then checks rows. */
    static void compare(Path model, Path data, Path csv, int[] rows, RowCheck check)
            throws IOException {
        Cli score = Cli.scoreAsStreamed(model, data, csv);
        assertEquals(0, score.exitCode(), score.toString());
        List<String> lines = Files.readAllLines(csv);
        List<String> header = List.of(lines.get(0).split(","));
        ImageSet images = ImageSets.load(data);
        try (NDManager manager = NDManager.newBaseManager()) {
            LikelihoodScorer scorer =
                    ModelBundle.load(model, manager)
                            .scorer(manager, LikelihoodScorer.DEFAULT_NOISE_SEED);
            for (int i : rows) {
                ImageSet one = images.slice(i, i + 1);
                String[] cells = lines.get(i + 1).split(",");
                Row row =
                        new Row() {
                            @Override
                            public double number(String column) {
                                return Double.parseDouble(word(column));
                            }

                            @Override
                            public String word(String column) {
                                return cells[header.indexOf(column)];
                            }
                        };
                check.check(one, scorer.score(one.toFloats(0, 1), 1, 0), row);
            }
        }
    }
}
