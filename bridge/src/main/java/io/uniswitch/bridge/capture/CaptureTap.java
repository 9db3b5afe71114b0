package io.uniswitch.bridge.capture;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Mirrors the frames of one port that pass a BPF filter into a bounded ring of copies, for a capture writer thread
 * to drain as pcap records. The ring never blocks the data plane: a frame that does not fit is counted in
 * {@link #droppedFrames()} and forwarding goes on untouched.
 *
 * <p>Threads: exactly one producer, the loop thread that owns the port ({@link #captureRx}, {@link #captureTx},
 * {@link #detach}), and one consumer ({@link #drainPcap}, {@link #close}). The ring is pre-allocated direct memory;
 * records are {@code [u32 capturedBytes][u32 wireBytes][u64 monotonic ns][bytes]}, padded to 8, and a record that
 * would straddle the end is preceded by a wrap marker. Positions only grow; the producer publishes its position with
 * a release store after each record and the consumer its own after each drain, so no locks are taken.
 *
 * <p>Ownership: the tap never keeps a frame: it copies the bytes it keeps and leaves the ByteBuf to its owner. The
 * ring belongs to the consumer, which releases it in {@link #close} after the producer has detached.
 *
 * <p>Counters are single-writer plain fields (loop thread); read them on the loop thread, or after
 * {@link #isDetached()} for final values.
 */
public final class CaptureTap {
    /** Ring size by default: about 2700 full 1500-byte frames, a second of 30 Mbit/s, for a reader's hiccup. */
    public static final int DEFAULT_RING_BYTES = 4 << 20;
    /** The largest snaplen accepted (tcpdump's default). */
    public static final int MAX_SNAPLEN = 262_144;
    static final int RECORD_HEADER_BYTES = 16;
    private static final int WRAP = -1;

    private final BpfProgram filter;
    private final int snaplen;
    private final ByteBuf ring;
    private final int capacity;
    private final int mask;
    /** Producer position, published with release semantics. */
    private final AtomicLong head = new AtomicLong();
    /** Consumer position, published with release semantics. */
    private final AtomicLong tail = new AtomicLong();
    private volatile boolean detached;

    // Producer (loop thread) state.
    private long producerPos;
    private long cachedTail;
    private long capturedFrames;
    private long filteredFrames;
    private long droppedFrames;

    // Consumer state.
    private long consumerPos;
    private boolean closed;

    /**
     * @param filter decides which frames to keep and how many bytes (0 rejects)
     * @param snaplen bytes kept at most per frame, 1..{@link #MAX_SNAPLEN}
     * @param ringBytes a power of two, at least 4 records of snaplen bytes
     */
    public CaptureTap(BpfProgram filter, int snaplen, int ringBytes) {
        if (filter == null) {
            throw new IllegalArgumentException("filter: expected a program (BpfProgram.acceptAll for none)");
        }
        if (snaplen < 1 || snaplen > MAX_SNAPLEN) {
            throw new IllegalArgumentException("snaplen " + snaplen + ": expected 1.." + MAX_SNAPLEN);
        }
        if (Integer.bitCount(ringBytes) != 1 || ringBytes < 4 * recordBytes(snaplen)) {
            throw new IllegalArgumentException("capture ring of " + ringBytes + " bytes: expected a power of two of "
                    + "at least 4 records of snaplen " + snaplen);
        }
        this.filter = filter;
        this.snaplen = snaplen;
        this.capacity = ringBytes;
        this.mask = ringBytes - 1;
        // A wrapped direct ByteBuffer: not leak-tracked (paranoid detection would record every ring access) and its
        // memory goes back with the ByteBuffer even if close() is never reached.
        this.ring = Unpooled.wrappedBuffer(ByteBuffer.allocateDirect(ringBytes));
    }

    public int snaplen() {
        return snaplen;
    }

    /** Frames copied into the ring. */
    public long capturedFrames() {
        return capturedFrames;
    }

    /** Frames the filter rejected. */
    public long filteredFrames() {
        return filteredFrames;
    }

    /** Frames the filter accepted that the ring had no room for: the reader was too slow. */
    public long droppedFrames() {
        return droppedFrames;
    }

    /** Captures frames[0, n) of a received batch; one clock read for all. Loop thread only. */
    public void captureRx(ByteBuf[] frames, int n) {
        final long nowNs = System.nanoTime();
        for (int i = 0; i < n; i++) {
            capture(frames[i], nowNs);
        }
    }

    /** Captures one frame the switch queued for sending. Loop thread only. */
    public void captureTx(ByteBuf frame) {
        capture(frame, System.nanoTime());
    }

    /** Filters the frame's readable bytes and copies what the filter keeps, or counts a drop. Loop thread only. */
    public void capture(ByteBuf f, long monotonicNs) {
        final int offset = f.readerIndex();
        final int length = f.readableBytes();
        final int verdict = filter.run(f, offset, length);
        if (verdict == 0) {
            filteredFrames++;
            return;
        }
        final int kept = (int) Math.min(Integer.toUnsignedLong(verdict), Math.min(length, snaplen));
        final int bytes = recordBytes(kept);
        long pos = producerPos;
        int at = (int) (pos & mask);
        final int contiguous = capacity - at;
        final long need = bytes <= contiguous ? bytes : (long) contiguous + bytes;
        if (pos + need - cachedTail > capacity) {
            cachedTail = tail.get();
            if (pos + need - cachedTail > capacity) {
                droppedFrames++;
                return;
            }
        }
        final ByteBuf r = ring;
        if (bytes > contiguous) {
            r.setInt(at, WRAP);
            pos += contiguous;
            at = 0;
        }
        r.setInt(at, kept);
        r.setInt(at + 4, length);
        r.setLong(at + 8, monotonicNs);
        r.setBytes(at + RECORD_HEADER_BYTES, f, offset, kept);
        pos += bytes;
        producerPos = pos;
        head.lazySet(pos);
        capturedFrames++;
    }

    /** The producer will write no more: called on the loop thread when the tap leaves its port. */
    public void detach() {
        detached = true;
    }

    public boolean isDetached() {
        return detached;
    }

    /** True when the ring holds records not yet drained. Consumer thread. */
    public boolean hasPending() {
        return consumerPos != head.get();
    }

    /**
     * Moves whole records from the ring into out as pcap records (see {@link Pcap}) while they fit, converting the
     * monotonic timestamps with epochMinusMonotonicNs; returns the number of records. Consumer thread only.
     */
    public int drainPcap(ByteBuffer out, long epochMinusMonotonicNs) {
        final ByteBuf r = ring;
        final long h = head.get();
        long pos = consumerPos;
        int records = 0;
        while (pos != h) {
            final int at = (int) (pos & mask);
            final int kept = r.getInt(at);
            if (kept == WRAP) {
                pos += capacity - at;
                continue;
            }
            if (out.remaining() < Pcap.RECORD_HEADER_BYTES + kept) {
                break;
            }
            Pcap.putRecordHeader(out, r.getLong(at + 8) + epochMinusMonotonicNs, kept, r.getInt(at + 4));
            final int limit = out.limit();
            out.limit(out.position() + kept);
            r.getBytes(at + RECORD_HEADER_BYTES, out);
            out.limit(limit);
            pos += recordBytes(kept);
            records++;
        }
        consumerPos = pos;
        tail.lazySet(pos);
        return records;
    }

    /**
     * Releases the ring once the tap is detached; returns false (and keeps the ring) while the producer may still
     * write. Consumer thread; idempotent.
     */
    public boolean close() {
        if (!detached) {
            return false;
        }
        if (!closed) {
            closed = true;
            ring.release();
        }
        return true;
    }

    static int recordBytes(int kept) {
        return (RECORD_HEADER_BYTES + kept + 7) & ~7;
    }
}
