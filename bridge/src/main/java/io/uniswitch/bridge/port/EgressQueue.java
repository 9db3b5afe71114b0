package io.uniswitch.bridge.port;

import io.netty.buffer.ByteBuf;

/**
 * A bounded FIFO ring of frames waiting for a port's device to accept them.
 *
 * <p>Invariants: the capacity is a power of two, so positions wrap with a mask; {@code head} and {@code tail} are
 * running counts whose difference is the size. Owned by one loop thread; not thread-safe. Ownership: a frame
 * accepted by {@link #offer} belongs to the queue until {@link #poll} hands it back; a refused frame stays the
 * caller's. {@link #releaseAll} releases what is queued.
 */
public final class EgressQueue {
    private final ByteBuf[] ring;
    private final int mask;
    private long head;
    private long tail;

    /** @param capacity frames; rounded up to a power of two, 1 to 2^30 */
    public EgressQueue(int capacity) {
        if (capacity < 1 || capacity > (1 << 30)) {
            throw new IllegalArgumentException("egress queue capacity " + capacity + ": expected 1 to " + (1 << 30));
        }
        int rounded = capacity == 1 ? 1 : Integer.highestOneBit(capacity - 1) << 1;
        this.ring = new ByteBuf[rounded];
        this.mask = rounded - 1;
    }

    /** Appends frame and takes it, or returns false (the frame stays the caller's) when full. */
    public boolean offer(ByteBuf frame) {
        if (tail - head == ring.length) {
            return false;
        }
        ring[(int) tail & mask] = frame;
        tail++;
        return true;
    }

    /** The oldest frame, still queued, or null. */
    public ByteBuf peek() {
        return head == tail ? null : ring[(int) head & mask];
    }

    /** Removes and returns the oldest frame (now the caller's), or null. */
    public ByteBuf poll() {
        if (head == tail) {
            return null;
        }
        int at = (int) head & mask;
        ByteBuf f = ring[at];
        ring[at] = null;
        head++;
        return f;
    }

    public int size() {
        return (int) (tail - head);
    }

    public boolean isEmpty() {
        return head == tail;
    }

    public int capacity() {
        return ring.length;
    }

    /** Releases every queued frame once; returns how many. */
    public int releaseAll() {
        int n = 0;
        ByteBuf f;
        while ((f = poll()) != null) {
            f.release();
            n++;
        }
        return n;
    }
}
