package dev.flowwatch.schemas;

import org.apache.avro.AvroRuntimeException;
import org.apache.avro.io.Decoder;
import org.apache.avro.util.Utf8;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A binary decoder over one message that refuses any length or item count the message's remaining
 * bytes cannot hold, before anything is allocated.
 *
 * <p>Avro allocates a string, bytes or collection at the length the body declares and only then
 * reads it, so a 15-byte message claiming a 2 GiB string costs 2 GiB. Avro's own bounds are the
 * JVM-wide {@code org.apache.avro.limits.*} system properties, read once when Avro's classes load:
 * whether they hold depends on who set them and when. Here the bound is the message itself: a
 * string or bytes value cannot be longer than the bytes left, and a block of a collection cannot
 * have more items than bytes left (every item of flowwatch's schemas takes at least one byte), so
 * what decoding allocates stays within a small multiple of the message's size in any JVM. Nor can
 * all of a message's collections together claim more items than it has bytes: a writer schema from
 * a registry may have items of no bytes at all (nulls, empty records), which Avro skips one by one,
 * so a small message of many such blocks would otherwise keep a stream thread busy for hours.
 */
final class BoundedDecoder extends Decoder {

    private final Decoder in;
    private final ByteArrayInputStream remaining;
    private final long messageBytes;
    private long itemsClaimed;

    /**
     * @param in a direct (unbuffered) binary decoder reading {@code remaining}, so that {@code
     *     remaining.available()} is exactly what is left of the message
     */
    BoundedDecoder(Decoder in, ByteArrayInputStream remaining) {
        this.in = in;
        this.remaining = remaining;
        this.messageBytes = remaining.available();
    }

    @Override
    public void readNull() throws IOException {
        in.readNull();
    }

    @Override
    public boolean readBoolean() throws IOException {
        return in.readBoolean();
    }

    @Override
    public int readInt() throws IOException {
        return in.readInt();
    }

    @Override
    public long readLong() throws IOException {
        return in.readLong();
    }

    @Override
    public float readFloat() throws IOException {
        return in.readFloat();
    }

    @Override
    public double readDouble() throws IOException {
        return in.readDouble();
    }

    @Override
    public Utf8 readString(Utf8 old) throws IOException {
        byte[] bytes = readLengthPrefixed("string");
        Utf8 out = old == null ? new Utf8() : old;
        return out.set(new Utf8(bytes));
    }

    @Override
    public String readString() throws IOException {
        return new String(readLengthPrefixed("string"), StandardCharsets.UTF_8);
    }

    @Override
    public void skipString() throws IOException {
        in.skipFixed(checkedLength("string"));
    }

    @Override
    public ByteBuffer readBytes(ByteBuffer old) throws IOException {
        return ByteBuffer.wrap(readLengthPrefixed("bytes"));
    }

    @Override
    public void skipBytes() throws IOException {
        in.skipFixed(checkedLength("bytes"));
    }

    @Override
    public void readFixed(byte[] bytes, int start, int length) throws IOException {
        in.readFixed(bytes, start, length);
    }

    @Override
    public void skipFixed(int length) throws IOException {
        in.skipFixed(length);
    }

    @Override
    public int readEnum() throws IOException {
        return in.readEnum();
    }

    @Override
    public long readArrayStart() throws IOException {
        return checkedCount(in.readArrayStart(), "array");
    }

    @Override
    public long arrayNext() throws IOException {
        return checkedCount(in.arrayNext(), "array");
    }

    @Override
    public long skipArray() throws IOException {
        return checkedCount(in.skipArray(), "array");
    }

    @Override
    public long readMapStart() throws IOException {
        return checkedCount(in.readMapStart(), "map");
    }

    @Override
    public long mapNext() throws IOException {
        return checkedCount(in.mapNext(), "map");
    }

    @Override
    public long skipMap() throws IOException {
        return checkedCount(in.skipMap(), "map");
    }

    @Override
    public int readIndex() throws IOException {
        return in.readIndex();
    }

    private byte[] readLengthPrefixed(String what) throws IOException {
        byte[] bytes = new byte[checkedLength(what)];
        in.readFixed(bytes, 0, bytes.length);
        return bytes;
    }

    /** Reads a length prefix and checks it against the bytes left, before anything is allocated. */
    private int checkedLength(String what) throws IOException {
        long length = in.readLong();
        if (length < 0 || length > remaining.available()) {
            throw new AvroRuntimeException(
                    "a "
                            + what
                            + " claims "
                            + length
                            + " bytes but the message has "
                            + remaining.available()
                            + " left");
        }
        return (int) length;
    }

    private long checkedCount(long count, String what) {
        if (count < 0 || count > remaining.available()) {
            throw new AvroRuntimeException(
                    "a block of a "
                            + what
                            + " claims "
                            + count
                            + " items but the message has "
                            + remaining.available()
                            + " bytes left");
        }
        itemsClaimed += count;
        if (itemsClaimed > messageBytes) {
            throw new AvroRuntimeException(
                    "the message's collections claim "
                            + itemsClaimed
                            + " items in all, more than its "
                            + messageBytes
                            + " bytes");
        }
        return count;
    }
}
