package dev.flowwatch.flowpp.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.flowwatch.flowpp.bundle.ModelBundle;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

class FlowConfigTest {

    private static final Path COMMITTED_MODEL =
            Path.of("..", "data", "models", "fashion-mnist-small");

    @Test
    void committedBundleReadsAsTheSmallPresetItWasTrainedFrom() {
        // bundle.json was written before the builder and before the checkerboard field existed
        FlowConfig committed = ModelBundle.readManifest(COMMITTED_MODEL).config();
        assertEquals(FlowConfig.preset("small", 1, 28, 28), committed);
        assertEquals(Checkerboard.MASKED, committed.checkerboard());
    }

    @Test
    void paperPresetHasTheNetworksOfFlowPlusPlusOnCifar10() {
        FlowConfig paper = FlowConfig.preset("paper", 3, 32, 32);
        assertEquals(List.of(new Level(4, 2, 4), new Level(3, 0, 4)), paper.levels());
        assertEquals(96, paper.hidden());
        assertEquals(10, paper.blocks());
        assertEquals(32, paper.components());
        assertEquals(0.2f, paper.dropout());
        assertEquals(4, paper.dequantizerCouplings());
        assertEquals(96, paper.dequantizerHidden());
        assertEquals(5, paper.dequantizerBlocks());
        assertEquals(Checkerboard.PACKED, paper.checkerboard());
    }

    @Test
    void largePresetAddsALevelPerHalvingDownToSixteenPixels() {
        FlowConfig large = FlowConfig.preset("large", 3, 128, 64);
        assertEquals(
                List.of(new Level(4, 2, 0), new Level(4, 2, 0), new Level(3, 0, 4)),
                large.levels());
        assertEquals(FlowConfig.preset("paper", 3, 32, 32).hidden(), large.hidden());
    }

    @Test
    void presetBuilderChangesOnlyWhatIsSet() {
        FlowConfig tiny = FlowConfig.preset("tiny", 1, 8, 8);
        FlowConfig changed =
                FlowConfig.presetBuilder("tiny", 1, 8, 8)
                        .optDequantization(Dequantization.UNIFORM)
                        .optSeed(9)
                        .build();
        assertEquals(
                new FlowConfig(
                        tiny.preset(),
                        tiny.channels(),
                        tiny.height(),
                        tiny.width(),
                        tiny.levels(),
                        tiny.hidden(),
                        tiny.blocks(),
                        tiny.components(),
                        tiny.dropout(),
                        Dequantization.UNIFORM,
                        tiny.dequantizerCouplings(),
                        tiny.dequantizerHidden(),
                        tiny.dequantizerBlocks(),
                        tiny.logitAlpha(),
                        9,
                        tiny.checkerboard()),
                changed);
    }

    @Test
    void buildNamesEveryRequiredSetterNotCalled() {
        IllegalStateException e =
                assertThrows(
                        IllegalStateException.class,
                        () -> FlowConfig.builder().setInputShape(1, 8, 8).setHidden(8).build());
        assertEquals(
                "the flow configuration is incomplete: call setLevels, setBlocks, setComponents,"
                        + " setDequantizerCouplings, setDequantizerHidden, setDequantizerBlocks",
                e.getMessage());
    }

    @Test
    void uniformDequantizationNeedsNoDequantizerNetworks() {
        FlowConfig uniform =
                FlowConfig.builder()
                        .setInputShape(1, 8, 8)
                        .setLevels(List.of(new Level(1, 1, 0)))
                        .setHidden(4)
                        .setBlocks(1)
                        .setComponents(2)
                        .optDequantization(Dequantization.UNIFORM)
                        .build();
        assertEquals("custom", uniform.preset());
        assertEquals(0, uniform.dequantizerCouplings());
    }

    @Test
    void builtValuesAreCheckedWithTheRecordsMessages() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> FlowConfig.presetBuilder("tiny", 1, 8, 8).optDropout(1f).build());
        assertEquals("dropout must be in [0, 1), got 1.0", e.getMessage());
    }

    @Test
    void unknownPresetNamesTheKnownOnes() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class, () -> FlowConfig.preset("huge", 1, 8, 8));
        assertEquals("unknown preset 'huge'; known: tiny, small, paper, large", e.getMessage());
    }
}
