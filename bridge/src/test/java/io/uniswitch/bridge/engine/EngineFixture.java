package io.uniswitch.bridge.engine;

import io.netty.buffer.ByteBuf;
import io.uniswitch.bridge.frame.Frames;
import io.uniswitch.bridge.frame.TestFrames;
import io.uniswitch.bridge.port.MemoryPort;
import io.uniswitch.bridge.port.Port;
import java.util.ArrayList;
import java.util.List;

/**
 * An engine on an injected clock with MemoryPorts, and the frames a test makes. {@link #close()} closes the ports
 * (releasing what they still hold) and fails if any frame was not released exactly once.
 */
final class EngineFixture implements AutoCloseable {
    static final long T0 = 5_000_000_000L;

    final TestFrames frames;
    final ForwardingEngine engine;
    final List<MemoryPort> ports = new ArrayList<>();
    long nowNs = T0;
    int clockReads;

    EngineFixture(EngineConfig config) {
        this(config, new TestFrames());
    }

    EngineFixture(EngineConfig config, TestFrames frames) {
        this.frames = frames;
        this.engine = new ForwardingEngine(config, () -> {
            clockReads++;
            return nowNs;
        });
    }

    EngineFixture() {
        this(EngineConfig.defaults());
    }

    MemoryPort attach(String name) {
        return attach(new MemoryPort(name));
    }

    MemoryPort attach(MemoryPort p) {
        ports.add(p);
        engine.attach(p);
        return p;
    }

    /** Forwards the frames as one batch from ingress. */
    void send(Port ingress, ByteBuf... batchFrames) {
        FrameBatch batch = new FrameBatch();
        for (ByteBuf f : batchFrames) {
            batch.add(f);
        }
        engine.forward(ingress, batch);
    }

    /** Forwards one untagged frame of payloadBytes from ingress. */
    void send(Port ingress, long dst, long src, int payloadBytes) {
        send(ingress, frames.ethernet(dst, src, payloadBytes));
    }

    void send(Port ingress, long dst, long src) {
        send(ingress, dst, src, 46);
    }

    /** Releases what the port sent and returns the (dst, src) pairs, as "dst>src" strings. */
    static List<String> take(MemoryPort p) {
        List<String> out = new ArrayList<>();
        for (ByteBuf f : p.drainSent()) {
            out.add(Long.toHexString(Frames.dstMac(f)) + ">" + Long.toHexString(Frames.srcMac(f)));
            f.release();
        }
        return out;
    }

    /** Frames sent by each fixture port, releasing them. */
    int[] takeCounts() {
        int[] counts = new int[ports.size()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = ports.get(i).releaseSent();
        }
        return counts;
    }

    @Override
    public void close() {
        for (MemoryPort p : ports) {
            p.close();
        }
        frames.assertAllReleased();
    }
}
