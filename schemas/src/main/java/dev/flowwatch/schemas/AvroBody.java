package dev.flowwatch.schemas;

import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * Decodes the Avro binary body that follows a message's frame, whatever the frame: bounded by the
 * message ({@link BoundedDecoder}) and refusing bytes left over.
 */
final class AvroBody {

    private AvroBody() {}

    /**
     * @param reader resolves the writer schema the frame names against the reader schema
     * @param offset where the body starts: the frame's length
     */
    static <T> T read(
            DatumReader<T> reader, String recordName, String topic, byte[] data, int offset) {
        ByteArrayInputStream in = new ByteArrayInputStream(data, offset, data.length - offset);
        T record;
        try {
            record =
                    reader.read(
                            null,
                            new BoundedDecoder(
                                    DecoderFactory.get().directBinaryDecoder(in, null), in));
        } catch (IOException | RuntimeException e) {
            // Corrupt bodies surface as whatever the datum reader trips on first: EOFException,
            // AvroRuntimeException, an enum index out of bounds, a length past the end...
            throw MessageDecodingException.undecodableBody(recordName, topic, data.length, e);
        }
        // The direct decoder reads without read-ahead, so what is left was not read.
        if (in.available() > 0) {
            throw MessageDecodingException.trailingBytes(
                    recordName, topic, data.length, in.available());
        }
        return record;
    }
}
