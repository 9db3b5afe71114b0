package io.uniswitch.daemon.run;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.uniswitch.bridge.engine.EngineConfig;
import io.uniswitch.bridge.loop.Dataplane;
import io.uniswitch.tap.device.SocketPair;
import io.uniswitch.tap.linux.NativeException;
import io.uniswitch.tap.linux.Syscall;
import io.uniswitch.tendernet.solo5.TenderFdPort;

/**
 * Runs the data path hot before the switch takes its first real frame: a private data plane with two socketpair ports
 * forwards a bounded stream of frames from one to the other, so the JIT has compiled the read, forward, queue and
 * write paths by the time ports attach.
 *
 * <p>Why: interpreted, the loop drains a port at a small fraction of its compiled speed for the first second or so.
 * A tender on a socketpair that sends a burst at once would see its buffer fill in that time (a failed write kills a
 * solo5 tender: TenderFdIT showed it with 100,000 frames of 1514 bytes), and the first pings through a fresh switch
 * took over a millisecond. Costs 1.5 to 2.5 s of start-up here, most of it class loading and the first, interpreted
 * frames; it runs before any port attaches and before READY. Control thread; it closes everything it opens.
 */
final class Warmup {
    private static final System.Logger LOG = System.getLogger(Warmup.class.getName());
    static final int FRAMES = 120_000;
    static final long MAX_NS = 2_500_000_000L;
    private static final int FRAME_BYTES = 60;
    private static final int CHUNK = 256;
    private static final long MAC_A = 0x0200_5775_0001L;
    private static final long MAC_B = 0x0200_5775_0002L;

    private Warmup() {
    }

    /** Forwards up to {@link #FRAMES} frames through a private data plane; returns how many went through. */
    static long run(ByteBufAllocator allocator) {
        final long startNs = System.nanoTime();
        SocketPair a = null;
        SocketPair b = null;
        try (Dataplane dp = new Dataplane(EngineConfig.defaults(), "warmup")) {
            a = SocketPair.open("warmup-a", 1 << 20, 1 << 20);
            b = SocketPair.open("warmup-b", 1 << 20, 1 << 20);
            final SocketPair in = a;
            final SocketPair out = b;
            dp.addPort(new TenderFdPort("warmup-a", in, 1500, 1024, allocator));
            a = null;
            dp.addPort(new TenderFdPort("warmup-b", out, 1500, 1024, allocator));
            b = null;
            final ByteBuf scratch = allocator.directBuffer(2048, 2048);
            try {
                // B announces itself (flooded to A, which learns nothing new), so A's frames to B are known unicast.
                write(out.remoteFd(), scratch, MAC_A, MAC_B);
                long forwarded = 0;
                long written = 0;
                final long deadline = startNs + MAX_NS;
                while (forwarded < FRAMES && System.nanoTime() < deadline) {
                    for (int i = 0; i < CHUNK && written - forwarded < CHUNK; i++) {
                        if (!write(in.remoteFd(), scratch, MAC_B, MAC_A)) {
                            break;
                        }
                        written++;
                    }
                    final int got = drain(out.remoteFd(), scratch);
                    forwarded += got;
                    drain(in.remoteFd(), scratch);
                    if (got == 0) {
                        // Leave the cores to the loop and the JIT compiler threads while frames are in flight.
                        java.util.concurrent.locks.LockSupport.parkNanos(20_000);
                    }
                }
                LOG.log(System.Logger.Level.INFO, "data path warmed up: " + forwarded + " frames forwarded in "
                        + (System.nanoTime() - startNs) / 1_000_000 + " ms");
                return forwarded;
            } finally {
                scratch.release();
            }
        } catch (NativeException | IllegalStateException e) {
            LOG.log(System.Logger.Level.WARNING, "warm-up skipped (" + e.getMessage() + "); the first second of "
                    + "traffic runs slower");
            return 0;
        } finally {
            if (a != null) {
                a.close();
            }
            if (b != null) {
                b.close();
            }
        }
    }

    private static boolean write(int fd, ByteBuf scratch, long dst, long src) {
        final long address = scratch.memoryAddress();
        scratch.setZero(0, FRAME_BYTES);
        scratch.setShort(0, (int) (dst >>> 32));
        scratch.setInt(2, (int) dst);
        scratch.setShort(6, (int) (src >>> 32));
        scratch.setInt(8, (int) src);
        scratch.setShort(12, 0x88B5);
        return Syscall.LIBC.write(fd, address, FRAME_BYTES) == FRAME_BYTES;
    }

    /** Reads whatever waits on {@code fd}; returns the frames read. */
    private static int drain(int fd, ByteBuf scratch) {
        int n = 0;
        while (Syscall.LIBC.read(fd, scratch.memoryAddress(), scratch.capacity()) > 0) {
            n++;
        }
        return n;
    }
}
