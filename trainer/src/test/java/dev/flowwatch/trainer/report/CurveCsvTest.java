package dev.flowwatch.trainer.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.flowpp.train.TrainingProgress.CurvePoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CurveCsvTest {

  @TempDir Path dir;

  private static final List<CurvePoint> CURVE =
      List.of(
          new CurvePoint(0, "train", 8.125),
          new CurvePoint(0, "validation", 8.2),
          new CurvePoint(100, "train", Double.NaN),
          new CurvePoint(100, "validation", 3.25));

  @Test
  void writesHeaderAndOneRowPerPoint() throws IOException {
    Path csv = dir.resolve("curve.csv");
    CurveCsv.write(csv, CURVE);
    List<String> lines = Files.readAllLines(csv);
    assertEquals("step,split,bits_per_dim", lines.get(0));
    assertEquals("0,train,8.125", lines.get(1));
    assertEquals("100,train,NaN", lines.get(3));
    assertEquals(5, lines.size());
  }

  @Test
  void readGivesBackExactlyWhatWasWritten() throws IOException {
    Path csv = dir.resolve("curve.csv");
    CurveCsv.write(csv, CURVE);
    assertEquals(CURVE, CurveCsv.read(csv));
  }

  @Test
  void bytesAreWhatWriteWrites() throws IOException {
    Path csv = dir.resolve("curve.csv");
    CurveCsv.write(csv, CURVE);
    assertArrayEquals(Files.readAllBytes(csv), CurveCsv.bytes(CURVE));
  }

  @Test
  void malformedRowErrorNamesFileAndLine() throws IOException {
    Path csv = dir.resolve("bad.csv");
    Files.writeString(csv, "step,split,bits_per_dim\n0,train,1.5\nten,train,1.0\n");
    IOException e = assertThrows(IOException.class, () -> CurveCsv.read(csv));
    assertTrue(e.getMessage().startsWith(csv + ":3:"), e.getMessage());
  }

  @Test
  void splitNamesThatWouldBreakTheCsvAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> new CurvePoint(0, "a,b", 1));
    assertThrows(IllegalArgumentException.class, () -> new CurvePoint(0, " ", 1));
  }

  @Test
  void seriesBySplitGroupsInFirstAppearanceOrder() {
    List<Series> series = Series.bySplit(CURVE);
    assertEquals(2, series.size());
    assertEquals("train", series.get(0).name());
    assertEquals("validation", series.get(1).name());
    assertEquals(new Series.Point(100, 3.25), series.get(1).points().get(1));
  }
}
