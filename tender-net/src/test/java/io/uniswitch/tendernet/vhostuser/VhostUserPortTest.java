package io.uniswitch.tendernet.vhostuser;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.uniswitch.bridge.engine.DropReason;
import io.uniswitch.bridge.engine.FrameBatch;
import io.uniswitch.tap.linux.NativeException;
import io.uniswitch.tendernet.vhostuser.protocol.VhostUser;
import java.io.EOFException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The vhost-user port with {@link GuestDriver} as the VM: frames both ways through real shared memory, rings and
 * eventfds; a protocol error that resets the device and a front-end that connects again; close while connected. A
 * single-thread executor plays the event loop, as the data plane's runner does.
 */
class VhostUserPortTest {
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

    @TempDir
    Path dir;

    private final ExecutorService loop = Executors.newSingleThreadExecutor();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        loop.shutdownNow();
    }

    private <T> T onLoop(Callable<T> task) throws Exception {
        return loop.submit(task).get();
    }

    private VhostUserPort port(String name) {
        return tracked(new VhostUserPort(name, dir.resolve(name + ".sock"), 1500, 1024, ALLOC, this::runOnLoop));
    }

    /** The port's hand-overs run on the loop and wait for it, as the data plane's call does. */
    private void runOnLoop(Runnable r) {
        try {
            loop.submit(r).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Closed on the loop after the test. */
    private VhostUserPort tracked(VhostUserPort p) {
        toClose.add(() -> onLoop(() -> {
            p.close();
            return null;
        }));
        return p;
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    private static byte[] frame(int length, int fill) {
        byte[] f = new byte[length];
        for (int i = 0; i < length; i++) {
            f[i] = (byte) (fill + i);
        }
        f[0] = 2;
        f[6] = 2;
        return f;
    }

    private List<byte[]> receive(VhostUserPort p, int want) throws Exception {
        List<byte[]> got = new ArrayList<>();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (got.size() < want && System.nanoTime() < deadline) {
            got.addAll(onLoop(() -> {
                FrameBatch batch = new FrameBatch();
                p.receive(batch);
                List<byte[]> out = new ArrayList<>();
                for (int i = 0; i < batch.size(); i++) {
                    out.add(ByteBufUtil.getBytes(batch.get(i)));
                }
                batch.releaseAll();
                // As the engine does once a batch is forwarded: lent frames' chains go back to the guest.
                p.afterForward();
                return out;
            }));
        }
        return got;
    }

    private GuestDriver connect(VhostUserPort p, long features) throws Exception {
        GuestDriver vm = GuestDriver.connect(p.socketPath());
        toClose.add(vm);
        vm.start(features);
        await(() -> {
            try {
                return onLoop(p::running);
            } catch (Exception e) {
                return false;
            }
        }, "both queues running");
        return vm;
    }

    private void releaseOnLoop(VhostUserPort p, List<ByteBuf> frames) throws Exception {
        onLoop(() -> {
            for (ByteBuf f : frames) {
                f.release();
            }
            return null;
        });
    }

    /** One receive() on the loop, its frames handed over unreleased and the batch not yet finished (afterForward). */
    private List<ByteBuf> receiveMidBatch(VhostUserPort p, int want) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            List<ByteBuf> got = onLoop(() -> {
                FrameBatch batch = new FrameBatch();
                p.receive(batch);
                List<ByteBuf> out = new ArrayList<>();
                for (int i = 0; i < batch.size(); i++) {
                    out.add(batch.get(i));
                }
                batch.clear();
                return out;
            });
            if (got.size() >= want || System.nanoTime() > deadline) {
                return got;
            }
            onLoop(() -> {
                p.afterForward();
                return null;
            });
        }
    }

    @Test
    void txFramesAreForwardedWhereTheyLieAndChainsGoBackAtTheEndOfTheBatch() throws Exception {
        VhostUserPort p = port("vz0");
        GuestDriver vm = connect(p, VhostUserBackend.FEATURES);
        byte[] a = frame(60, 1);
        byte[] b = frame(1514, 7);
        assertTrue(vm.send(a, false));
        assertTrue(vm.send(b, true));
        List<ByteBuf> held = receiveMidBatch(p, 2);
        assertEquals(2, held.size());
        assertTrue(held.get(0) instanceof GuestFrame && held.get(1) instanceof GuestFrame, "lent, not copied");
        assertArrayEquals(a, ByteBufUtil.getBytes(held.get(0)));
        assertArrayEquals(b, ByteBufUtil.getBytes(held.get(1)));
        assertEquals(2, vm.txInFlight(), "the guest's buffers stay lent during the batch");

        // The batch ends with one frame sent (released) and one still queued behind a slow port: the first goes back
        // as it is, the second is copied, and both chains go back to the guest.
        onLoop(() -> {
            held.get(1).release();
            p.afterForward();
            return null;
        });
        assertEquals(0, vm.txInFlight(), "no chain stays lent after its batch");
        GuestFrame queued = (GuestFrame) held.get(0);
        assertTrue(queued.detached(), "the frame still held was copied");
        vm.fillTxBuffers(frame(60, 99));
        assertArrayEquals(a, ByteBufUtil.getBytes(queued), "the holder reads the copy");
        onLoop(() -> queued.release());
        assertEquals(0, queued.refCnt());

        // The objects are reused: 1000 more frames cross with no chain left behind.
        for (int i = 0; i < 1000; i++) {
            assertTrue(vm.send(frame(100, i), true));
            assertEquals(1, receive(p, 1).size());
        }
        assertEquals(0, vm.txInFlight());
        assertEquals(0, onLoop(() -> p.counters().errors));
    }

    @Test
    void aLentFrameIsTheGuestsBufferUntilTheBatchEnds() throws Exception {
        VhostUserPort p = port("vz1");
        GuestDriver vm = connect(p, VhostUserBackend.FEATURES);
        byte[] a = frame(200, 5);
        assertTrue(vm.send(a, true));
        List<ByteBuf> held = receiveMidBatch(p, 1);
        assertEquals(1, held.size());
        // Zero copy for real: the guest rewriting its buffer shows through the lent frame.
        byte[] other = frame(200, 77);
        vm.fillTxBuffers(other);
        assertArrayEquals(other, ByteBufUtil.getBytes(held.get(0)));
        vm.fillTxBuffers(a);
        onLoop(() -> {
            p.afterForward();
            return null;
        });
        assertEquals(0, vm.txInFlight());
        vm.fillTxBuffers(other);
        assertArrayEquals(a, ByteBufUtil.getBytes(held.get(0)), "after the batch the holder reads the switch's copy");

        // The guest stops its TX queue and goes away while the copy is still held: nothing reads its memory.
        vm.request(VhostUser.GET_VRING_BASE, java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.nativeOrder())
                .putInt(1).putInt(0).array(), true);
        vm.close();
        assertArrayEquals(a, ByteBufUtil.getBytes(held.get(0)));
        releaseOnLoop(p, held);
        assertEquals(0, held.get(0).refCnt());
        assertEquals(0, onLoop(() -> p.counters().errors));
    }

    @Test
    void inModeClientAFrontEndThatKeepsFailingIsRetriedLessOften() throws Exception {
        Path socket = dir.resolve("qemu-failing.sock");
        VhostUserPort p = tracked(new VhostUserPort("vmf", socket, true, 1500, 1024, ALLOC, this::runOnLoop));
        byte[] tooMuch = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.nativeOrder())
                .putLong(VhostUserBackend.FEATURES | 1L << 22).array();
        long[] gaps = new long[3];
        GuestDriver vm = GuestDriver.accept(socket, 10_000);
        toClose.add(vm);
        for (int i = 0; i < gaps.length; i++) {
            // A feature the back-end refuses: the connection ends with an error, and QEMU would accept again at once.
            vm.request(VhostUser.SET_FEATURES, tooMuch, false);
            long sent = System.nanoTime();
            GuestDriver next = GuestDriver.accept(socket, 10_000);
            gaps[i] = (System.nanoTime() - sent) / 1_000_000;
            toClose.add(next);
            vm.close();
            vm = next;
        }
        assertTrue(gaps[0] >= 2 * VhostUserPort.RECONNECT_MS - 50, "first failure: " + gaps[0] + " ms");
        assertTrue(gaps[2] > gaps[0], "the wait grows with each failure: " + java.util.Arrays.toString(gaps));
    }

    @Test
    void inModeClientThePortConnectsToTheVmsSocketAndAgainAfterItGoes() throws Exception {
        Path socket = dir.resolve("qemu-owned.sock");
        VhostUserPort p = tracked(new VhostUserPort("vmc", socket, true, 1500, 1024, ALLOC, this::runOnLoop));
        assertTrue(p.client());
        assertFalse(Files.exists(socket), "mode client creates no socket");
        Thread.sleep(3 * VhostUserPort.RECONNECT_MS);
        assertEquals(0, p.connections());

        for (int round = 1; round <= 2; round++) {
            GuestDriver vm = GuestDriver.accept(socket, 5_000);
            toClose.add(vm);
            vm.start(VhostUserBackend.FEATURES);
            await(() -> {
                try {
                    return onLoop(p::running);
                } catch (Exception e) {
                    return false;
                }
            }, "both queues running");
            byte[] a = frame(100, round);
            assertTrue(vm.send(a, true));
            List<byte[]> got = receive(p, 1);
            assertEquals(1, got.size(), "round " + round);
            assertArrayEquals(a, got.get(0));
            assertEquals(round, p.connections());
            vm.close();
            await(() -> {
                try {
                    return !onLoop(p::running);
                } catch (Exception e) {
                    return false;
                }
            }, "the device reset after the VM went");
        }
        // The socket is the front-end's: closing the port leaves whatever is at the path.
        Files.writeString(socket, "qemu's");
        onLoop(() -> {
            p.close();
            return null;
        });
        assertTrue(Files.exists(socket), "mode client removes nothing at the path");
    }

    @Test
    void aHandOverTheDataPlaneTakesLateStillWaitsForIt() throws Exception {
        // The data plane's call gives up after a while but leaves the task queued: the port must wait for it to run
        // (a stop must have run before guest memory goes), not carry on as if it had.
        List<String> gaveUp = new ArrayList<>();
        VhostUserPort p = tracked(new VhostUserPort("late", dir.resolve("late.sock"), 1500, 1024, ALLOC, r -> {
            loop.submit(() -> {
                sleep(300);
                r.run();
            });
            gaveUp.add("x");
            throw new IllegalStateException("the data plane did not answer within 0 ms");
        }));
        GuestDriver vm = connect(p, VhostUserBackend.FEATURES);
        assertTrue(gaveUp.size() >= 2, "both queue starts went through the late path");
        assertTrue(onLoop(p::running));
        byte[] a = frame(60, 3);
        assertTrue(vm.send(a, true));
        List<byte[]> got = receive(p, 1);
        assertEquals(1, got.size());
        assertArrayEquals(a, got.get(0));
        assertEquals(0, onLoop(() -> p.counters().errors), "a late hand-over is no error");
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void framesCrossBothWaysThroughGuestMemory() throws Exception {
        VhostUserPort p = port("vm0");
        GuestDriver vm = connect(p, VhostUserBackend.FEATURES);
        byte[] a = frame(60, 1);
        byte[] b = frame(1514, 9);
        assertTrue(vm.send(a, false));
        assertTrue(vm.send(b, true));
        List<byte[]> got = receive(p, 2);
        assertEquals(2, got.size());
        assertArrayEquals(a, got.get(0));
        assertArrayEquals(b, got.get(1));

        // And back: 300 frames, more than the 256 RX buffers at once, so the port waits for the guest to repost.
        List<byte[]> received = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            final int n = i;
            onLoop(() -> {
                ByteBuf f = ALLOC.directBuffer(100);
                f.writeBytes(frame(100, n));
                p.transmit(f);
                return p.flush();
            });
            received.addAll(vm.receive());
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (received.size() < 300 && System.nanoTime() < deadline) {
            onLoop(() -> p.receive(new FrameBatch()));
            received.addAll(vm.receive());
        }
        assertEquals(300, received.size());
        for (int i = 0; i < 300; i++) {
            assertArrayEquals(frame(100, i), received.get(i), "frame " + i);
        }
        assertEquals(2, p.counters().rxFrames);
        assertEquals(300, p.counters().txFrames);
    }

    @Test
    void aRuntAndAnOversizeFrameFromTheGuestAreCountedDrops() throws Exception {
        VhostUserPort p = port("vm1");
        GuestDriver vm = connect(p, VhostUserBackend.FEATURES);
        vm.send(new byte[10], false);
        vm.send(frame(1600, 3), false);
        vm.send(frame(64, 4), true);
        List<byte[]> got = receive(p, 1);
        assertEquals(1, got.size());
        assertEquals(1, p.counters().dropCount(DropReason.RUNT));
        assertEquals(1, p.counters().dropCount(DropReason.FRAME_TOO_LARGE));
    }

    @Test
    void aProtocolErrorResetsTheDeviceAndTheVmMayConnectAgain() throws Exception {
        VhostUserPort p = port("vm2");
        GuestDriver vm = connect(p, VhostUserBackend.FEATURES);
        vm.request(VhostUser.SET_FEATURES, new byte[8], false);
        assertThrows(EOFException.class, () -> vm.channel().read(), "the switch closes the connection");
        await(() -> {
            try {
                return !onLoop(p::running);
            } catch (Exception e) {
                return false;
            }
        }, "queues stopped");
        // Frames for a VM without queues are dropped as PORT_DOWN, not kept.
        onLoop(() -> {
            p.transmit(ALLOC.directBuffer(60).writeBytes(frame(60, 0)));
            return p.flush();
        });
        assertEquals(1, p.counters().dropCount(DropReason.PORT_DOWN));
        GuestDriver again = connect(p, VhostUserBackend.FEATURES);
        again.send(frame(60, 5), true);
        assertEquals(1, receive(p, 1).size());
        assertEquals(2, p.connections());
    }

    @Test
    void anExistingSocketPathIsAnErrorAndCloseRemovesTheSocket() throws Exception {
        Path taken = dir.resolve("taken.sock");
        Files.writeString(taken, "x");
        NativeException e = assertThrows(NativeException.class,
                () -> new VhostUserPort("vm3", taken, 1500, 64, ALLOC));
        assertTrue(e.getMessage().contains("vm3") && e.getMessage().contains("the path exists"), e.getMessage());
        VhostUserPort p = new VhostUserPort("vm4", dir.resolve("vm4.sock"), 1500, 64, ALLOC);
        GuestDriver vm = GuestDriver.connect(p.socketPath());
        toClose.add(vm);
        vm.start(VhostUserBackend.FEATURES);
        p.close();
        assertFalse(Files.exists(dir.resolve("vm4.sock")));
    }
}
