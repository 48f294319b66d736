package dev.flowwatch.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.time.Instant;

class ImageEventsTest {

    private static final Instant TIME = Instant.parse("2025-01-02T03:04:05.678901Z");

    @Test
    void rawU8EventCarriesShapeAndACopyOfThePixels() {
        byte[] pixels = {1, 2, 3, 4, 5, 6};

        ImageEvent event = ImageEvents.rawU8("e", "cam", TIME, 1, 2, 3, pixels);
        pixels[0] = 99;

        assertEquals(ImageEncoding.RAW_U8, event.getEncoding());
        assertEquals(1, event.getWidth());
        assertEquals(2, event.getHeight());
        assertEquals(3, event.getChannels());
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6}, event.getData().array());
        assertTrue(event.getAttributes().isEmpty());
    }

    @Test
    void eventTimeIsKeptToTheMillisecondAsOnTheWire() {
        ImageEvent event = ImageEvents.rawU8("e", "cam", TIME, 1, 1, 1, new byte[1]);

        assertEquals(Instant.parse("2025-01-02T03:04:05.678Z"), event.getEventTime());
    }

    @Test
    void pixelCountThatDoesNotMatchTheShapeIsRejected() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> ImageEvents.rawU8("e", "cam", TIME, 2, 2, 3, new byte[11]));

        assertTrue(e.getMessage().contains("needs 12 bytes, got 11"), e.getMessage());
    }

    @Test
    void nonPositiveDimensionIsRejected() {
        assertThrows(
                IllegalArgumentException.class,
                () -> ImageEvents.rawU8("e", "cam", TIME, 0, 2, 3, new byte[0]));
    }
}
