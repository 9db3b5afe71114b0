package io.uniswitch.tendernet.qemu;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.uniswitch.bridge.engine.FrameBatch;

/**
 * Splits the byte stream of a QEMU {@code -netdev stream} connection into frames: each frame is preceded by its
 * length as a 4-byte big-endian integer. Incremental: the caller appends whatever the socket gave to a receive
 * buffer, and {@link #decode} takes the complete frames off its front, leaving a partial one for the next call.
 *
 * <p>A length below {@link #MIN_FRAME_BYTES} (no Ethernet header, including 0) or above {@code maxFrameBytes} (MTU
 * plus 18) cannot be resynchronised from, because the stream carries no other boundary: the decoder marks itself
 * {@link #isCorrupt() corrupt}, stops, and the caller closes the connection. Frames decoded before the bad prefix
 * are good and stay in the batch.
 *
 * <p>Loop thread only. Ownership: each decoded frame is copied into a fresh pooled buffer that the batch (so the
 * caller) owns; the receive buffer stays the caller's. Allocates nothing but those buffers.
 */
public final class LengthPrefixDecoder {
    /** The length prefix: 4 bytes, big-endian, as QEMU's net/stream.c writes it. */
    public static final int HEADER_BYTES = 4;
    /** The shortest frame forwarded: an Ethernet header. */
    public static final int MIN_FRAME_BYTES = 14;

    private final int maxFrameBytes;
    private final ByteBufAllocator allocator;
    private boolean corrupt;
    private int badLength;

    /** @param maxFrameBytes the longest frame accepted, e.g. MTU + 18 */
    public LengthPrefixDecoder(int maxFrameBytes, ByteBufAllocator allocator) {
        if (maxFrameBytes < MIN_FRAME_BYTES) {
            throw new IllegalArgumentException("maxFrameBytes " + maxFrameBytes + ": expected >= " + MIN_FRAME_BYTES);
        }
        this.maxFrameBytes = maxFrameBytes;
        this.allocator = allocator;
    }

    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    /** The receive buffer size that always holds one complete record of the longest frame. */
    public int minBufferBytes() {
        return HEADER_BYTES + maxFrameBytes;
    }

    /**
     * Moves the complete frames at the front of {@code in} into {@code out}, at most {@code out.remaining()}; returns
     * how many. A trailing partial record stays in {@code in}. After a bad length prefix nothing more is decoded
     * (until {@link #reset}) and the rest of {@code in} is skipped.
     */
    public int decode(ByteBuf in, FrameBatch out) {
        if (corrupt) {
            in.skipBytes(in.readableBytes());
            return 0;
        }
        final int max = maxFrameBytes;
        final int room = out.remaining();
        int n = 0;
        while (n < room) {
            final int readable = in.readableBytes();
            if (readable < HEADER_BYTES) {
                break;
            }
            final int start = in.readerIndex();
            final int length = in.getInt(start);
            if (length < MIN_FRAME_BYTES || length > max) {
                corrupt = true;
                badLength = length;
                in.skipBytes(readable);
                break;
            }
            if (readable - HEADER_BYTES < length) {
                break;
            }
            final ByteBuf frame = allocator.directBuffer(length, length);
            frame.writeBytes(in, start + HEADER_BYTES, length);
            in.readerIndex(start + HEADER_BYTES + length);
            out.add(frame);
            n++;
        }
        return n;
    }

    /** Whether a complete record waits in {@code in}: a frame that did not fit the last batch. */
    public boolean hasCompleteFrame(ByteBuf in) {
        final int readable = in.readableBytes();
        if (corrupt || readable < HEADER_BYTES) {
            return false;
        }
        final int length = in.getInt(in.readerIndex());
        // A bad prefix counts as complete: the next decode must see it to close the connection.
        return length < MIN_FRAME_BYTES || length > maxFrameBytes || readable - HEADER_BYTES >= length;
    }

    /** Whether a bad length prefix was seen since the last {@link #reset}. */
    public boolean isCorrupt() {
        return corrupt;
    }

    /** The bad length prefix that made the stream corrupt, for the log. */
    public int badLength() {
        return badLength;
    }

    /** Starts over for a new connection. */
    public void reset() {
        corrupt = false;
        badLength = 0;
    }
}
