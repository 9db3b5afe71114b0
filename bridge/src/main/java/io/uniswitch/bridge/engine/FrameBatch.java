package io.uniswitch.bridge.engine;

import io.netty.buffer.ByteBuf;

/**
 * Up to {@link #MAX} frames read in one wakeup. Owned and reused by one loop thread; not thread-safe.
 *
 * <p>Ownership: the batch holds references only. Whoever fills it owns the frames until it hands the batch to
 * {@link ForwardingEngine#forward}, which takes them all. {@link #clear()} forgets the frames without releasing
 * them; {@link #releaseAll()} releases each once and then clears.
 */
public final class FrameBatch {
    /** Frames per batch: bounds the work per wakeup and the engine's per-batch scratch arrays. */
    public static final int MAX = 64;

    /** Read directly by the engine's classify loop (same package) to skip the bounds check of {@link #get}. */
    final ByteBuf[] frames = new ByteBuf[MAX];
    private int size;

    public FrameBatch() {
    }

    public int size() {
        return size;
    }

    public int remaining() {
        return MAX - size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /**
     * Appends a frame.
     *
     * @throws IllegalStateException when the batch is full: a port appended more than {@link #remaining()} frames,
     *     which is a bug in that port (the frame stays the caller's)
     */
    public void add(ByteBuf f) {
        if (size == MAX) {
            throw new IllegalStateException("frame batch full (" + MAX
                    + " frames): receive() must respect remaining()");
        }
        frames[size++] = f;
    }

    public ByteBuf get(int i) {
        if (i >= size) {
            throw new IndexOutOfBoundsException("index " + i + ", size " + size);
        }
        return frames[i];
    }

    /** Forgets every frame without releasing it. */
    public void clear() {
        for (int i = 0; i < size; i++) {
            frames[i] = null;
        }
        size = 0;
    }

    /** Releases every frame once, then clears. */
    public void releaseAll() {
        for (int i = 0; i < size; i++) {
            frames[i].release();
            frames[i] = null;
        }
        size = 0;
    }
}
