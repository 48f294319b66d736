package dev.flowwatch.streams.topology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.schemas.ImageEvent;
import dev.flowwatch.schemas.MessageDecodingException;
import dev.flowwatch.streams.TestModels;

import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;

class ValidatedEventTest {

    private final ImageEvent event = TestModels.event("e", 3);
    private final byte[] original = {(byte) 0xC3, 1, 42, 7, 9};

    @Test
    void theEventAndTheOriginalValueSurviveTheBatchingTopic() {
        byte[] bytes =
                ValidatedEvent.serializer().serialize("t", new ValidatedEvent(event, original));

        ValidatedEvent read = ValidatedEvent.deserializer().deserialize("t", bytes);

        assertEquals(event, read.event());
        assertArrayEquals(original, read.original());
    }

    /** Batching topics and changelogs written before originals were kept hold bare events. */
    @Test
    void aBareEventOfTheFormerFormatIsItsOwnOriginal() {
        byte[] bare = TopologyFixture.bytes(event);

        ValidatedEvent read = ValidatedEvent.fromBytes("t", bare);

        assertEquals(event, read.event());
        assertArrayEquals(bare, read.original());
    }

    @Test
    void anEventLengthBeyondTheValueIsRefusedBeforeAnyAllocation() {
        byte[] bytes = ByteBuffer.allocate(9).put((byte) 1).putInt(Integer.MAX_VALUE).array();

        SerializationException e =
                assertThrows(SerializationException.class, () -> ValidatedEvent.fromBytes("t", bytes));
        assertTrue(e.getMessage().contains("claims 2147483647 bytes"), e.getMessage());
    }

    @Test
    void anUnknownFormatOrEmptyValueIsRefusedWithTheTopic() {
        for (byte[] bytes : new byte[][] {{7, 0, 0}, {}, null}) {
            SerializationException e =
                    assertThrows(
                            SerializationException.class,
                            () -> ValidatedEvent.fromBytes("batching", bytes),
                            Arrays.toString(bytes));
            assertTrue(e.getMessage().contains("batching"), e.getMessage());
        }
    }

    @Test
    void aCorruptEventInsideIsADecodingProblem() {
        byte[] good = new ValidatedEvent(event, original).toBytes();
        byte[] cut = Arrays.copyOf(good, 1 + 4 + 12);
        ByteBuffer.wrap(cut, 1, 4).putInt(12);

        assertThrows(MessageDecodingException.class, () -> ValidatedEvent.fromBytes("t", cut));
    }
}
