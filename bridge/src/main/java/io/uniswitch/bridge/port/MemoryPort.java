package io.uniswitch.bridge.port;

import io.netty.buffer.ByteBuf;
import io.uniswitch.bridge.engine.FrameBatch;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * An in-memory port for tests and benchmarks, after ovs {@code netdev-dummy}: frames injected with {@link #inject}
 * are received, and written frames are kept in {@link #sent()} (or released at once when keepSent is off).
 *
 * <p>To test backpressure, {@link #setTxCapacity} bounds the frames the device holds before it would block, so
 * frames pile up in the egress queue and then overflow it; {@link #failNextWrites} makes writes fail (TX_ERROR).
 *
 * <p>Thread: one thread (the test or the benchmark's loop). Ownership: injected frames are the port's until
 * received; kept sent frames are the port's until {@link #drainSent()} hands them to the caller; {@link #close()}
 * releases whatever the port still holds.
 */
public final class MemoryPort extends Port {
    public static final String TYPE = "memory";
    public static final int DEFAULT_MTU_BYTES = 1500;

    private final ArrayDeque<ByteBuf> rx = new ArrayDeque<>();
    private final ArrayList<ByteBuf> sent = new ArrayList<>();
    private int txCapacity = Integer.MAX_VALUE;
    private boolean keepSent = true;
    private int failWrites;

    public MemoryPort(String name) {
        this(name, DEFAULT_MTU_BYTES, DEFAULT_EGRESS_QUEUE_CAPACITY);
    }

    public MemoryPort(String name, int mtuBytes, int egressQueueCapacity) {
        super(name, TYPE, mtuBytes, egressQueueCapacity);
    }

    /** Takes frame and queues it for {@link #receive}; a closed port releases it instead. */
    public void inject(ByteBuf frame) {
        if (isClosed()) {
            frame.release();
            return;
        }
        rx.add(frame);
    }

    /** Injected frames not yet received. */
    public int pendingRx() {
        return rx.size();
    }

    @Override
    public int receive(FrameBatch batch) {
        final PortCounters c = counters();
        int n = Math.min(batch.remaining(), rx.size());
        for (int i = 0; i < n; i++) {
            ByteBuf f = rx.poll();
            c.rxFrames++;
            c.rxBytes += f.readableBytes();
            batch.add(f);
        }
        return n;
    }

    @Override
    protected int writeFrame(ByteBuf f) {
        if (failWrites > 0) {
            failWrites--;
            return WRITE_FAILED;
        }
        if (!keepSent) {
            return f.readableBytes();
        }
        if (sent.size() >= txCapacity) {
            return WOULD_BLOCK;
        }
        sent.add(f.retain());
        return f.readableBytes();
    }

    /** Frames written and kept, oldest first; still owned by the port. */
    public List<ByteBuf> sent() {
        return Collections.unmodifiableList(sent);
    }

    public int sentCount() {
        return sent.size();
    }

    /** Hands the kept frames to the caller, who must release each, and makes room for more writes. */
    public List<ByteBuf> drainSent() {
        List<ByteBuf> out = new ArrayList<>(sent);
        sent.clear();
        return out;
    }

    /** Releases the kept frames; returns how many. */
    public int releaseSent() {
        int n = sent.size();
        for (ByteBuf f : sent) {
            f.release();
        }
        sent.clear();
        return n;
    }

    /** Frames the device holds (kept and not drained) before writes would block. */
    public void setTxCapacity(int frames) {
        if (frames < 0) {
            throw new IllegalArgumentException("port " + name() + " tx capacity " + frames + ": expected >= 0");
        }
        this.txCapacity = frames;
    }

    /** When false, written frames are released at once (a sink for benchmarks) and tx capacity is unbounded. */
    public void setKeepSent(boolean keepSent) {
        this.keepSent = keepSent;
    }

    /** Makes the next n writes fail, as a device answering ENOBUFS would. */
    public void failNextWrites(int n) {
        this.failWrites = n;
    }

    @Override
    protected void closeDevice() {
        ByteBuf f;
        while ((f = rx.poll()) != null) {
            f.release();
        }
        releaseSent();
    }
}
