package io.uniswitch.bridge.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.channel.SelectStrategy;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.IntSupplier;
import io.uniswitch.bridge.engine.EngineConfig;
import io.uniswitch.bridge.engine.ForwardingEngine;
import io.uniswitch.bridge.frame.TestFrames;
import io.uniswitch.bridge.port.FdPort;
import io.uniswitch.bridge.port.MemoryPort;
import java.util.ArrayDeque;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SpinThenSleepTest {
    private static final long MAC_A = 0x02_00_00_00_00_0aL;
    private static final long BROADCAST = 0xff_ff_ff_ff_ff_ffL;
    private static final long TICK_NS = 100;

    private final TestFrames frames = new TestFrames();
    /** A clock that moves on by TICK_NS each time it is read, as time passes while the loop spins. */
    private final long[] now = {1_000_000};
    private final ForwardingEngine engine = new ForwardingEngine(EngineConfig.defaults(), () -> now[0]);
    private final RingPort ring = new RingPort("ring0", true);
    private final MemoryPort out = new MemoryPort("out0");
    private final RingPoller rings = new RingPoller();
    private int selects;

    private long tick() {
        now[0] += TICK_NS;
        return now[0];
    }

    /** epoll_wait without timeout, counted; reports ready fds. */
    private IntSupplier selectNow(int ready) {
        return () -> {
            selects++;
            return ready;
        };
    }

    @AfterEach
    void closePorts() {
        ring.close();
        out.close();
    }

    @Test
    void zeroWindowAlwaysSleepsUnlessTasksWait() throws Exception {
        SpinThenSleep s = new SpinThenSleep(0, rings);
        assertEquals(SelectStrategy.SELECT, s.calculateStrategy(() -> 3, false));
        assertEquals(3, s.calculateStrategy(() -> 3, true));
    }

    @Test
    void pollsWithoutBlockingWhileRecentlyActive() throws Exception {
        SpinThenSleep s = new SpinThenSleep(60_000_000_000L, rings);
        assertEquals(2, s.calculateStrategy(() -> 2, false), "ready fds are handled at once");
        assertEquals(0, s.calculateStrategy(() -> 0, false), "nothing ready, but within the window: poll again");
    }

    @Test
    void sleepsOnceTheWindowHasPassed() throws Exception {
        SpinThenSleep s = new SpinThenSleep(50_000, rings, this::tick);
        assertEquals(1, s.calculateStrategy(selectNow(1), false));
        long activeAt = now[0];
        int spins = 0;
        int strategy;
        while ((strategy = s.calculateStrategy(selectNow(0), false)) == 0) {
            spins++;
            assertTrue(spins < 100, "still spinning 100 passes after the last I/O");
        }
        assertEquals(SelectStrategy.SELECT, strategy);
        long idleNs = now[0] - activeAt;
        assertTrue(idleNs >= 50_000 && idleNs < 50_000 + 2 * SpinThenSleep.EPOLL_EVERY_NS,
                "went to sleep " + idleNs + " ns after the last I/O; the window is 50000 ns");
        now[0] += 1_000_000;
        assertEquals(0, s.calculateStrategy(selectNow(0), false), "woken from epoll_wait: a new window starts");
        now[0] += 60_000;
        assertEquals(0, s.calculateStrategy(selectNow(0), true), "tasks waiting: never block");
        assertEquals(SelectStrategy.SELECT, s.calculateStrategy(selectNow(0), false));
    }

    @Test
    void framesInARingAreForwardedWithoutAskingEpoll() throws Exception {
        attachBoth();
        rings.set(List.of(new PortHandle(ring, engine, new LoopLoad())));
        SpinThenSleep s = new SpinThenSleep(50_000, rings, this::tick);
        ring.frames.add(frames.ethernet(BROADCAST, MAC_A, 46));
        assertEquals(0, s.calculateStrategy(selectNow(0), false));
        assertEquals(1, out.sent().size(), "the frame in the ring was forwarded by the spin itself");
        assertEquals(1, selects, "epoll was asked once, at the end of the ring-only stretch");
        releaseSent();

        // A frame that lands while the loop spins is seen in the same pass, not a system call later.
        ring.framesDueAt = now[0] + 2_000;
        ring.frames.add(frames.ethernet(BROADCAST, MAC_A, 46));
        long before = now[0];
        assertEquals(0, s.calculateStrategy(selectNow(0), false));
        assertEquals(1, out.sent().size());
        assertEquals(2, selects);
        assertTrue(ring.readAtNs - ring.framesDueAt <= 2 * TICK_NS,
                "read " + (ring.readAtNs - ring.framesDueAt) + " ns after it landed");
        assertTrue(now[0] - before >= SpinThenSleep.EPOLL_EVERY_NS, "kept spinning on the ring after the frame");
        releaseSent();
    }

    @Test
    void aPortWithoutARingKeepsEpollInEveryPass() throws Exception {
        RingPort plain = new RingPort("plain0", false);
        try {
            attachBoth();
            rings.set(List.of(new PortHandle(ring, engine, new LoopLoad()),
                    new PortHandle(plain, engine, new LoopLoad())));
            SpinThenSleep s = new SpinThenSleep(50_000, rings, this::tick);
            ring.frames.add(frames.ethernet(BROADCAST, MAC_A, 46));
            long before = now[0];
            assertEquals(0, s.calculateStrategy(selectNow(0), false));
            assertEquals(1, out.sent().size(), "the ring is still looked at first");
            assertEquals(1, selects);
            assertTrue(now[0] - before < 10 * TICK_NS, "no ring-only stretch: epoll must see the other port");
            releaseSent();
        } finally {
            plain.close();
        }
    }

    @Test
    void aPortWaitingForEpolloutKeepsEpollInEveryPass() throws Exception {
        attachBoth();
        PortHandle handle = new PortHandle(ring, engine, new LoopLoad());
        handle.start(new Registration());
        rings.set(List.of(handle));
        SpinThenSleep s = new SpinThenSleep(50_000, rings, this::tick);
        ring.frames.add(frames.ethernet(BROADCAST, MAC_A, 46));
        assertEquals(0, s.calculateStrategy(selectNow(0), false));
        assertTrue(selects == 1 && now[0] > 1_000_000 + SpinThenSleep.EPOLL_EVERY_NS, "ring-only stretch");
        releaseSent();
        handle.writeWanted(true);
        long before = now[0];
        assertEquals(0, s.calculateStrategy(selectNow(0), false));
        assertEquals(2, selects);
        assertTrue(now[0] - before < 10 * TICK_NS, "EPOLLOUT comes only through epoll: asked at once");
    }

    private void attachBoth() {
        engine.attach(ring);
        engine.attach(out);
    }

    private void releaseSent() {
        for (ByteBuf f : out.drainSent()) {
            f.release();
        }
    }

    /** A port whose received frames can be seen in memory, as a packet ring's; frames can be set to land later. */
    private final class RingPort extends FdPort {
        final ArrayDeque<ByteBuf> frames = new ArrayDeque<>();
        final boolean visible;
        long framesDueAt;
        long readAtNs;

        RingPort(String name, boolean visible) {
            super(name, "test", 1500, 64, io.netty.buffer.PooledByteBufAllocator.DEFAULT);
            this.visible = visible;
        }

        @Override
        public boolean rxPendingVisible() {
            return visible;
        }

        @Override
        public boolean rxPending() {
            return !frames.isEmpty() && now[0] >= framesDueAt;
        }

        @Override
        public FileDescriptor fileDescriptor() {
            throw new UnsupportedOperationException("never registered");
        }

        @Override
        protected int readFrame(ByteBuf dst) {
            if (!rxPending()) {
                return 0;
            }
            readAtNs = now[0];
            ByteBuf f = frames.poll();
            int n = f.readableBytes();
            dst.writeBytes(f);
            f.release();
            return n;
        }

        @Override
        protected int writeFrame(ByteBuf f) {
            return f.readableBytes();
        }

        @Override
        protected void closeDevice() {
            super.closeDevice();
            ByteBuf f;
            while ((f = frames.poll()) != null) {
                f.release();
            }
        }
    }

    /** Records the ops the handle asks epoll for. */
    private static final class Registration implements IoRegistration {
        @Override
        public <T> T attachment() {
            return null;
        }

        @Override
        public long submit(IoOps ops) {
            return 0;
        }

        @Override
        public boolean isValid() {
            return true;
        }

        @Override
        public boolean cancel() {
            return true;
        }
    }
}
