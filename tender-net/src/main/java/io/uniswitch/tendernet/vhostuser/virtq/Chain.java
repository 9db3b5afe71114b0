package io.uniswitch.tendernet.vhostuser.virtq;

/**
 * One descriptor chain taken off a queue, as validated host-memory segments: readable ones first, then writable ones
 * (the order virtio requires). Reused from chain to chain, so a pop allocates nothing. Owned by the loop thread.
 */
public final class Chain {
    /** The most segments a chain may have; Linux's virtio-net uses at most 19 (MAX_SKB_FRAGS + 2). */
    public static final int MAX_SEGMENTS = 64;

    final long[] addresses = new long[MAX_SEGMENTS];
    final int[] lengths = new int[MAX_SEGMENTS];
    int segments;
    int readableSegments;
    int head;
    long readableBytes;
    long writableBytes;

    void reset() {
        segments = 0;
        readableSegments = 0;
        readableBytes = 0;
        writableBytes = 0;
    }

    /** The descriptor index the chain starts at: what goes back in the used ring. */
    public int head() {
        return head;
    }

    public int segments() {
        return segments;
    }

    /** Segments {@code [0, readableSegments())} are device-readable (TX data); the rest are device-writable. */
    public int readableSegments() {
        return readableSegments;
    }

    /** Host address of segment {@code i}, inside the guest's shared memory (validated). */
    public long address(int i) {
        return addresses[i];
    }

    public int length(int i) {
        return lengths[i];
    }

    public long readableBytes() {
        return readableBytes;
    }

    public long writableBytes() {
        return writableBytes;
    }
}
