package io.uniswitch.tendernet.qemu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.uniswitch.bridge.engine.FrameBatch;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The stream framing of QEMU {@code -netdev stream} against malformed input: random byte streams, bad prefixes,
 * arbitrary read boundaries. jqwik prints each property's seed; rerun one with {@code @Property(seed = "...")}.
 */
class LengthPrefixDecoderTest {
    private static final int MTU = 1500;
    private static final int MAX = MTU + 18;
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

    /** The frames a receive loop forwards, and whether it ended on a bad prefix. */
    private record Outcome(List<byte[]> frames, boolean corrupt) {
    }

    /**
     * Feeds {@code stream} in chunks of the given sizes through a receive buffer as the port does, decoding into
     * batches of at most {@code batchRoom} frames; releases every frame after copying it out.
     */
    private static Outcome run(byte[] stream, List<Integer> chunks, int batchRoom) {
        final LengthPrefixDecoder decoder = new LengthPrefixDecoder(MAX, ALLOC);
        final ByteBuf rx = ALLOC.directBuffer(2 * decoder.minBufferBytes(), 2 * decoder.minBufferBytes());
        final FrameBatch batch = new FrameBatch();
        final List<byte[]> out = new ArrayList<>();
        try {
            int pos = 0;
            int chunk = 0;
            while (!decoder.isCorrupt()) {
                drain(decoder, rx, batch, batchRoom, out);
                if (pos == stream.length || decoder.isCorrupt()) {
                    break;
                }
                rx.discardReadBytes();
                int size = chunks.isEmpty() ? 1 : Math.max(1, chunks.get(chunk++ % chunks.size()));
                size = Math.min(size, Math.min(stream.length - pos, rx.writableBytes()));
                rx.writeBytes(stream, pos, size);
                pos += size;
            }
            drain(decoder, rx, batch, batchRoom, out);
            assertFalse(decoder.hasCompleteFrame(rx), "a complete frame was left behind");
            return new Outcome(out, decoder.isCorrupt());
        } finally {
            batch.releaseAll();
            rx.release();
        }
    }

    private static void drain(LengthPrefixDecoder decoder, ByteBuf rx, FrameBatch batch, int batchRoom,
            List<byte[]> out) {
        while (true) {
            // Fill the batch up to leave only batchRoom free, as when other frames came first.
            final FrameBatch b = batch;
            final int n = decodeInto(decoder, rx, b, batchRoom);
            for (int i = 0; i < b.size(); i++) {
                ByteBuf f = b.get(i);
                assertEquals(1, f.refCnt());
                final int len = f.readableBytes();
                assertTrue(len >= LengthPrefixDecoder.MIN_FRAME_BYTES && len <= MAX, "forwarded a bad length " + len);
                out.add(ByteBufUtil.getBytes(f));
            }
            b.releaseAll();
            if (n == 0) {
                return;
            }
        }
    }

    private static int decodeInto(LengthPrefixDecoder decoder, ByteBuf rx, FrameBatch b, int batchRoom) {
        final int fill = FrameBatch.MAX - batchRoom;
        for (int i = 0; i < fill; i++) {
            b.add(Unpooled.EMPTY_BUFFER);
        }
        final int n = decoder.decode(rx, b);
        final ByteBuf[] kept = new ByteBuf[n];
        for (int i = 0; i < n; i++) {
            kept[i] = b.get(fill + i);
        }
        b.clear();
        for (ByteBuf f : kept) {
            b.add(f);
        }
        return n;
    }

    /** The reference parser: the frames before the first bad prefix, and whether there was one. */
    private static Outcome model(byte[] stream) {
        final List<byte[]> frames = new ArrayList<>();
        final ByteBuffer in = ByteBuffer.wrap(stream);
        while (in.remaining() >= 4) {
            final int len = in.getInt();
            if (len < LengthPrefixDecoder.MIN_FRAME_BYTES || len > MAX) {
                return new Outcome(frames, true);
            }
            if (in.remaining() < len) {
                break;
            }
            final byte[] f = new byte[len];
            in.get(f);
            frames.add(f);
        }
        return new Outcome(frames, false);
    }

    private static void assertSame(Outcome expected, Outcome got) {
        assertEquals(expected.corrupt(), got.corrupt(), "corrupt");
        assertEquals(expected.frames().size(), got.frames().size(), "frames");
        for (int i = 0; i < expected.frames().size(); i++) {
            assertArrayEquals(expected.frames().get(i), got.frames().get(i), "frame " + i);
        }
    }

    @Property(tries = 300)
    void randomBytesNeverThrowLeakOrForwardABadLength(@ForAll @Size(max = 6000) byte[] stream,
            @ForAll @Size(max = 8) List<@IntRange(min = 1, max = 3000) Integer> chunks,
            @ForAll @IntRange(min = 1, max = FrameBatch.MAX) int batchRoom) {
        assertSame(model(stream), run(stream, chunks, batchRoom));
    }

    @Property(tries = 300)
    void wellFormedStreamsRoundTripAcrossAnyReadBoundaries(@ForAll("records") List<byte[]> frames,
            @ForAll @Size(max = 8) List<@IntRange(min = 1, max = 3000) Integer> chunks,
            @ForAll @IntRange(min = 1, max = FrameBatch.MAX) int batchRoom) {
        final byte[] stream = encode(frames);
        final Outcome got = run(stream, chunks, batchRoom);
        assertFalse(got.corrupt());
        assertSame(new Outcome(frames, false), got);
    }

    @Property(tries = 300)
    void aBadPrefixAfterGoodFramesKeepsTheGoodOnesAndStops(@ForAll("records") List<byte[]> frames,
            @ForAll("badLengths") int badLength, @ForAll @Size(max = 100) byte[] trailer,
            @ForAll @Size(max = 8) List<@IntRange(min = 1, max = 3000) Integer> chunks) {
        final ByteArrayOutputStream s = new ByteArrayOutputStream();
        s.writeBytes(encode(frames));
        s.writeBytes(ByteBuffer.allocate(4).putInt(badLength).array());
        s.writeBytes(trailer);
        final Outcome got = run(s.toByteArray(), chunks, FrameBatch.MAX);
        assertTrue(got.corrupt());
        assertSame(new Outcome(frames, true), got);
    }

    @Provide
    Arbitrary<List<byte[]>> records() {
        return Arbitraries.bytes().array(byte[].class).ofMinSize(LengthPrefixDecoder.MIN_FRAME_BYTES).ofMaxSize(MAX)
                .list().ofMaxSize(20);
    }

    @Provide
    Arbitrary<Integer> badLengths() {
        return Arbitraries.oneOf(Arbitraries.integers().between(Integer.MIN_VALUE, LengthPrefixDecoder.MIN_FRAME_BYTES
                - 1), Arbitraries.integers().between(MAX + 1, Integer.MAX_VALUE), Arbitraries.of(0, 13, MAX + 1));
    }

    @Example
    void zeroLengthIsCorruptAndNothingIsForwarded() {
        final Outcome got = run(new byte[] {0, 0, 0, 0, 1, 2, 3}, List.of(), FrameBatch.MAX);
        assertTrue(got.corrupt());
        assertTrue(got.frames().isEmpty());
    }

    @Example
    void largestFrameIsAcceptedAndOneMoreIsNot() {
        assertEquals(1, run(encode(List.of(new byte[MAX])), List.of(700), FrameBatch.MAX).frames().size());
        assertTrue(run(encode(List.of(new byte[MAX + 1])), List.of(700), FrameBatch.MAX).corrupt());
    }

    static byte[] encode(List<byte[]> frames) {
        final ByteArrayOutputStream s = new ByteArrayOutputStream();
        for (byte[] f : frames) {
            s.writeBytes(ByteBuffer.allocate(4).putInt(f.length).array());
            s.writeBytes(f);
        }
        return s.toByteArray();
    }
}
