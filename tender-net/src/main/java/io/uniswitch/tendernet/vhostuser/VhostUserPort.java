package io.uniswitch.tendernet.vhostuser;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.Native;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.internal.PlatformDependent;
import io.uniswitch.bridge.engine.DropReason;
import io.uniswitch.bridge.engine.FrameBatch;
import io.uniswitch.bridge.port.EgressQueue;
import io.uniswitch.bridge.port.FdPort;
import io.uniswitch.bridge.port.PortCounters;
import io.uniswitch.tap.linux.Errno;
import io.uniswitch.tap.linux.Fcntl;
import io.uniswitch.tap.linux.NativeException;
import io.uniswitch.tap.linux.SysSocket;
import io.uniswitch.tap.linux.Syscall;
import io.uniswitch.tendernet.EpollSet;
import io.uniswitch.tendernet.UnixSockets;
import io.uniswitch.tendernet.vhostuser.memory.GuestMemory;
import io.uniswitch.tendernet.vhostuser.protocol.Message;
import io.uniswitch.tendernet.vhostuser.protocol.MessageChannel;
import io.uniswitch.tendernet.vhostuser.protocol.ProtocolException;
import io.uniswitch.tendernet.vhostuser.virtq.Chain;
import io.uniswitch.tendernet.vhostuser.virtq.SplitQueue;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import jnr.ffi.Pointer;

/**
 * A VM's virtio-net device served over vhost-user: the switch listens on a unix socket and QEMU (or cloud-hypervisor)
 * connects, or in mode client QEMU listens and the switch connects (and connects again whenever the connection ends);
 * the front-end shares the guest's memory and rings, and frames move between guest buffers and the switch with no
 * tap and no system call per frame.
 *
 * <p>Threads: a control thread per port accepts (or makes) one connection at a time and runs the protocol
 * ({@link VhostUserBackend}); started and stopped queues cross to the loop through the runner the owner sets
 * ({@link #setLoopRunner}, the data plane's synchronous call), so the loop alone touches queues and guest memory while
 * they run. A protocol error closes the connection and resets the device; the switch carries on.
 *
 * <p>Data path (loop thread): like the qemu stream port, the loop watches one epoll fd of the port's own, which holds
 * the TX and RX kick eventfds and a wake eventfd. Receive takes chains from the TX queue (queue 1) and lends each
 * frame that lies in one piece to the switch where it is ({@link GuestFrame}, zero copy; a scattered frame is copied
 * into a pooled buffer). Lending lasts one batch: at {@link #afterForward} a frame an egress port still holds is
 * copied, every chain goes back to the guest as used, and the used index is published and the call eventfd signalled
 * once, only when the driver wants it (EVENT_IDX). Queues stop between batches, so guest memory is never read after a
 * stop. Transmit fills RX buffers (queue 0), several per frame when mergeable buffers are
 * negotiated, and waits for an RX kick when the guest has none left: one copy, into the guest. No allocation per
 * frame.
 */
public final class VhostUserPort extends FdPort {
    public static final String TYPE = "vhost-user";
    private static final System.Logger LOG = System.getLogger(VhostUserPort.class.getName());
    static final int NET_HDR_BYTES = 12;
    private static final int NUM_BUFFERS_OFFSET = 10;
    private static final int MAX_RX_CHAINS = 64;
    private static final int RUNT_BYTES = 14;
    private static final long HAND_OVER_WAIT_MS = 60_000;
    /** Frame objects to lend: a batch's worth, and more for copies an egress queue still holds. */
    private static final int LEND_POOL = 4 * FrameBatch.MAX;
    /** Mode client: how often the switch tries the front-end's socket while it is not there. */
    static final long RECONNECT_MS = 250;
    /** Eventfd counters read to clear a kick land here; the value is not needed. Loop thread only. */
    private static final Pointer KICK_SCRATCH = Syscall.allocate(8);

    private final Path socketPath;
    private final boolean client;
    private final int listenFd;
    /** The kick eventfds, and a wake for hand-overs and frames left to read. */
    private final EpollSet fds;
    private final ByteBufAllocator allocator;
    private final int maxFrameBytes;
    private final VhostUserBackend backend;
    private final Thread control;
    private volatile Consumer<Runnable> loopRunner;
    private volatile boolean closing;
    private volatile MessageChannel channel;
    private volatile long connections;

    // Loop-owned while running.
    private SplitQueue rxQueue;
    private SplitQueue txQueue;
    private int rxKick = -1;
    private int txKick = -1;
    private int rxCall = -1;
    private int txCall = -1;
    private boolean mergeable;
    private final Chain txChain = new Chain();
    /**
     * Zero-copy TX: frame objects free to lend, made once. A lent frame lives until afterForward() at most (then it
     * is released or copied), so one with a chain is released only while its batch runs, with txQueue its queue.
     */
    private final GuestFrame[] lendFree = new GuestFrame[LEND_POOL];
    private int lendFreeCount;
    /** Chains returned as used since the TX queue's used index was last published (once per batch). */
    private int txUsedPending;
    /** Frames lent by the current receive(), checked at afterForward(). */
    private final GuestFrame[] lentThisBatch = new GuestFrame[FrameBatch.MAX];
    private int lentCount;
    private final Chain[] rxChains = new Chain[MAX_RX_CHAINS];

    /**
     * Binds and listens at {@code socketPath} (which must not exist) and starts the control thread. Control thread.
     *
     * @throws NativeException naming the port and path
     */
    public VhostUserPort(String name, Path socketPath, int mtuBytes, int queueFrames, ByteBufAllocator allocator) {
        this(name, socketPath, mtuBytes, queueFrames, allocator, Runnable::run);
    }

    /**
     * As above, with the runner that hands queues to the loop set before the control thread starts (a front-end
     * that connects at once must not see hand-overs run in place).
     */
    public VhostUserPort(String name, Path socketPath, int mtuBytes, int queueFrames, ByteBufAllocator allocator,
            Consumer<Runnable> loopRunner) {
        this(name, socketPath, false, mtuBytes, queueFrames, allocator, loopRunner);
    }

    /**
     * As above; with {@code client} the front-end (QEMU with {@code -chardev socket,server=on}) owns the socket and
     * the switch connects to it, again and again until it is there and whenever the connection ends.
     */
    public VhostUserPort(String name, Path socketPath, boolean client, int mtuBytes, int queueFrames,
            ByteBufAllocator allocator, Consumer<Runnable> loopRunner) {
        super(name, TYPE, mtuBytes, queueFrames, allocator);
        this.client = client;
        this.loopRunner = loopRunner;
        Epoll.ensureAvailability();
        this.socketPath = socketPath;
        this.allocator = allocator;
        this.maxFrameBytes = mtuBytes + L2_OVERHEAD_BYTES;
        for (int i = 0; i < rxChains.length; i++) {
            rxChains[i] = new Chain();
        }
        final GuestFrame.Owner lender = this::returned;
        while (lendFreeCount < LEND_POOL) {
            lendFree[lendFreeCount++] = new GuestFrame(lender, allocator, maxFrameBytes);
        }
        // Blocking: the control thread waits in accept().
        final int listen = client ? -1 : UnixSockets.bind(name, socketPath, SysSocket.SOCK_STREAM, 1, false);
        try {
            this.fds = EpollSet.open(name + " " + socketPath);
        } catch (RuntimeException e) {
            if (!client) {
                Syscall.closeQuietly(listen);
                UnixSockets.deleteQuietly(socketPath);
            }
            throw e;
        }
        this.listenFd = listen;
        this.backend = new VhostUserBackend(name, new LoopQueues());
        this.control = new Thread(this::serve, "vhost-user-" + name);
        control.setDaemon(true);
        control.start();
    }

    /** How queue hand-overs reach the loop: the data plane's synchronous call. Until set, they run on the caller. */
    public void setLoopRunner(Consumer<Runnable> runner) {
        this.loopRunner = runner;
    }

    public Path socketPath() {
        return socketPath;
    }

    /** Whether the switch connects to the front-end's socket (mode client) rather than listening on its own. */
    public boolean client() {
        return client;
    }

    /** Front-end connections accepted so far. */
    public long connections() {
        return connections;
    }

    /** Whether both queues run (a guest driver is up). Loop thread. */
    public boolean running() {
        return rxQueue != null && txQueue != null;
    }

    @Override
    public FileDescriptor fileDescriptor() {
        return fds.fileDescriptor();
    }

    // ---- control thread -------------------------------------------------------------------------------------------

    private void serve() {
        String waitingFor = null;
        int failures = 0;
        while (!closing) {
            final int fd;
            if (client) {
                try {
                    fd = UnixSockets.connect(name(), socketPath, SysSocket.SOCK_STREAM);
                } catch (NativeException e) {
                    if (!e.errnoName().equals(waitingFor)) {
                        // Said once per cause, not every quarter second while the VM is down.
                        waitingFor = e.errnoName();
                        LOG.log(System.Logger.Level.INFO, "port " + name() + ": waiting for the VM's vhost-user "
                                + "socket: " + e.getMessage() + "; trying again every " + RECONNECT_MS + " ms");
                    }
                    pause(RECONNECT_MS);
                    continue;
                }
                waitingFor = null;
            } else {
                fd = Syscall.LIBC.accept4(listenFd, null, null, SysSocket.SOCK_CLOEXEC);
                if (fd < 0) {
                    if (closing) {
                        return;
                    }
                    if (Syscall.errno() != Errno.EINTR) {
                        LOG.log(System.Logger.Level.ERROR, "port " + name() + ": accept: "
                                + Errno.name(Syscall.errno()));
                        pause(100);
                    }
                    continue;
                }
            }
            connections++;
            LOG.log(System.Logger.Level.INFO, "port " + name() + (client ? ": connected to the VM's vhost-user socket "
                    : ": vhost-user front-end connected on ") + socketPath);
            final MessageChannel ch = new MessageChannel(name(), fd);
            channel = ch;
            boolean failed = true;
            try {
                while (!closing) {
                    final Message m = ch.read();
                    byte[] reply;
                    try {
                        reply = backend.handle(m);
                    } catch (ProtocolException e) {
                        if (backend.wantsAck(m)) {
                            ch.replyU64(m.request(), 1);
                        }
                        throw e;
                    }
                    if (reply != null) {
                        ch.reply(m.request(), reply);
                    } else if (backend.wantsAck(m)) {
                        ch.replyU64(m.request(), 0);
                    }
                }
            } catch (EOFException e) {
                failed = false;
                LOG.log(System.Logger.Level.INFO, "port " + name() + ": vhost-user front-end disconnected");
            } catch (ProtocolException e) {
                countErrorOnLoop();
                LOG.log(System.Logger.Level.ERROR, "port " + name() + ": " + e.getMessage() + "; connection closed, "
                        + "device reset");
            } catch (IOException | RuntimeException e) {
                countErrorOnLoop();
                LOG.log(System.Logger.Level.ERROR, "port " + name() + ": vhost-user connection failed: "
                        + e.getMessage() + "; device reset");
            } finally {
                channel = null;
                backend.close();
                ch.close();
            }
            if (client && !closing) {
                // QEMU as the server accepts again at once: a front-end that fails the same way every time must not
                // be retried in a tight loop. 250 ms after a clean end, doubling after each failure up to 8 s.
                failures = failed ? Math.min(failures + 1, 5) : 0;
                pause(RECONNECT_MS << failures);
            }
        }
    }

    /** Port counters have one writer, the loop: a control-thread error is counted there. */
    private void countErrorOnLoop() {
        try {
            loopRunner.accept(() -> counters().errors++);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "port " + name() + ": error not counted: " + e.getMessage());
        }
    }

    /** Sleeps, cut short when the port closes (it interrupts this thread). */
    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            // Closing: the loop condition ends the thread.
        }
    }

    /** Queue hand-overs, run on the loop through the runner. */
    private final class LoopQueues implements VhostUserBackend.Queues {
        @Override
        public void started(int index, SplitQueue queue, int kickFd, int callFd) {
            setNonBlocking(kickFd);
            setNonBlocking(callFd);
            handOver(() -> onStarted(index, queue, kickFd, callFd));
        }

        @Override
        public void stopped(int index) {
            handOver(() -> onStopped(index));
        }

        @Override
        public void memoryChanged(GuestMemory memory) {
            // Queues are stopped before the table changes and started after; nothing here holds the old table.
        }
    }

    /**
     * Runs a hand-over on the loop and returns once it has run. The data plane's call stops waiting after a few
     * seconds but leaves the task queued: a stop must really have run before the guest's memory can be unmapped, so
     * this goes on waiting for it, up to {@link #HAND_OVER_WAIT_MS}, and throws only if it never ran.
     */
    private void handOver(Runnable task) {
        final CountDownLatch ran = new CountDownLatch(1);
        final RuntimeException[] failed = new RuntimeException[1];
        try {
            loopRunner.accept(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    failed[0] = e;
                    throw e;
                } finally {
                    ran.countDown();
                }
            });
        } catch (RejectedExecutionException e) {
            // The loop is shutting down: the task was never queued and never will run.
            throw e;
        } catch (RuntimeException e) {
            awaitHandOver(ran, e);
            if (failed[0] != null) {
                throw failed[0];
            }
            LOG.log(System.Logger.Level.WARNING, "port " + name() + ": the data plane took a queue hand-over late ("
                    + e.getMessage() + ")");
        }
    }

    /** Waits for a hand-over the runner gave up on; throws if it has not run within {@link #HAND_OVER_WAIT_MS}. */
    private static void awaitHandOver(CountDownLatch ran, RuntimeException gaveUp) {
        boolean done = false;
        boolean interrupted = false;
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HAND_OVER_WAIT_MS);
        while (!done && System.nanoTime() < deadline) {
            try {
                done = ran.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException ie) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (!done) {
            throw new IllegalStateException("the data plane did not take the queue hand-over within "
                    + HAND_OVER_WAIT_MS / 1000 + " s", gaveUp);
        }
    }

    private static void setNonBlocking(int fd) {
        if (fd >= 0) {
            final int flags = Syscall.LIBC.fcntl(fd, Fcntl.F_GETFL, 0);
            if (flags >= 0) {
                Syscall.LIBC.fcntl(fd, Fcntl.F_SETFL, flags | Fcntl.O_NONBLOCK);
            }
        }
    }

    // ---- loop thread ----------------------------------------------------------------------------------------------

    private void onStarted(int index, SplitQueue queue, int kickFd, int callFd) {
        if (isClosed()) {
            // A hand-over that waited while the port closed: its epoll fd is gone.
            return;
        }
        mergeable = (backend.features() & 1L << io.uniswitch.tendernet.vhostuser.protocol.VhostUser
                .VIRTIO_NET_F_MRG_RXBUF) != 0;
        if (kickFd >= 0) {
            try {
                Native.epollCtlAdd(fds.fd(), kickFd, Native.EPOLLIN);
            } catch (IOException e) {
                counters().errors++;
            }
        }
        queue.setKicksWanted(true);
        if (index == VhostUserBackend.RX) {
            rxQueue = queue;
            rxKick = kickFd;
            rxCall = callFd;
        } else {
            txQueue = queue;
            txKick = kickFd;
            txCall = callFd;
            txUsedPending = 0;
        }
        fds.wake();
    }

    /** Where lent frames come back: a frame still lent gives its chain back as used, published by afterForward. */
    private void returned(GuestFrame f) {
        if (f.head() >= 0) {
            txQueue.addUsed(f.head(), 0);
            txUsedPending++;
        }
        // A copied frame's chain went back when it was copied; the object is free again either way.
        lendFree[lendFreeCount++] = f;
    }

    private void publishTx(SplitQueue q) {
        txUsedPending = 0;
        q.publishUsed();
        if (q.needsNotify() && txCall >= 0) {
            Native.eventFdWrite(txCall, 1);
        }
    }

    private void onStopped(int index) {
        if (isClosed()) {
            // The port is closing (this may run on the control thread): closeDevice let go of the queues already.
            return;
        }
        final int kick = index == VhostUserBackend.RX ? rxKick : txKick;
        if (kick >= 0) {
            try {
                Native.epollCtlDel(fds.fd(), kick);
            } catch (IOException e) {
                // The fd may already be closed by the front-end's side; nothing to undo.
            }
        }
        if (index == VhostUserBackend.RX) {
            rxQueue = null;
            rxKick = -1;
            rxCall = -1;
            dropQueued();
        } else {
            // Normally a no-op (queues stop between batches): no frame may stay lent from a stopped queue.
            afterForward();
            txQueue = null;
            txKick = -1;
            txCall = -1;
        }
    }

    private static void drainEventFd(int fd) {
        if (fd >= 0) {
            final long n = Syscall.LIBC.read(fd, KICK_SCRATCH.address(), 8);
            if (n < 0 && Syscall.errno() != Errno.EAGAIN) {
                return;
            }
        }
    }

    @Override
    protected int readFrame(ByteBuf dst) {
        // Not used: receive() takes chains from the TX queue.
        return 0;
    }

    @Override
    public int receive(FrameBatch batch) {
        fds.clearWake();
        drainEventFd(rxKick);
        if (rxQueue != null && hasPendingTx()) {
            flush();
        }
        final SplitQueue q = txQueue;
        if (q == null) {
            return 0;
        }
        drainEventFd(txKick);
        if (q.isBroken()) {
            // Stopped until the guest resets the device; its kicks are drained above and nothing is re-armed.
            return 0;
        }
        final PortCounters c = counters();
        final Chain chain = txChain;
        int n = 0;
        while (batch.remaining() > 0) {
            final int head = q.pop(chain);
            if (head == SplitQueue.EMPTY) {
                break;
            }
            if (head < 0) {
                onBrokenQueue("TX", head);
                break;
            }
            final long length = chain.readableBytes() - NET_HDR_BYTES;
            if (length < RUNT_BYTES || length > maxFrameBytes) {
                c.drop(length < RUNT_BYTES ? DropReason.RUNT : DropReason.FRAME_TOO_LARGE);
                q.addUsed(head, 0);
                txUsedPending++;
                continue;
            }
            final long at = contiguousFrame(chain);
            final ByteBuf f;
            if (at != 0 && lendFreeCount > 0 && lentCount < lentThisBatch.length) {
                // Zero copy: the frame stays in the guest's buffer; its chain returns when the last holder releases.
                final GuestFrame g = lendFree[--lendFreeCount];
                g.lend(at, (int) length, head);
                lentThisBatch[lentCount++] = g;
                f = g;
            } else {
                f = allocator.directBuffer((int) length, (int) length);
                copyOut(chain, f);
                q.addUsed(head, 0);
                txUsedPending++;
            }
            c.rxFrames++;
            c.rxBytes += length;
            batch.add(f);
            n++;
        }
        q.setKicksWanted(true);
        if (q.available() > 0) {
            fds.wake();
        }
        return n;
    }

    @Override
    public void afterForward() {
        final SplitQueue q = txQueue;
        // Lending lasts one batch: a frame an egress port still holds now (queued behind a slow or stalled port) is
        // copied and its chain returned, so that no port can keep this guest's TX ring, and its sending, waiting.
        for (int i = 0; i < lentCount; i++) {
            final GuestFrame g = lentThisBatch[i];
            lentThisBatch[i] = null;
            if (g.refCnt() > 0 && !g.detached() && q != null) {
                final int head = g.head();
                g.detach();
                q.addUsed(head, 0);
                txUsedPending++;
            }
        }
        lentCount = 0;
        if (txUsedPending > 0 && q != null) {
            publishTx(q);
        }
    }

    /**
     * The address of a TX chain's frame when it lies in one piece (header and frame in one buffer, or the header
     * alone in the first and the frame in the second, as Linux's virtio-net driver sends), else 0: then it is copied.
     */
    private static long contiguousFrame(Chain chain) {
        final int segments = chain.readableSegments();
        if (segments == 1) {
            return chain.address(0) + NET_HDR_BYTES;
        }
        if (segments == 2 && chain.length(0) == NET_HDR_BYTES) {
            return chain.address(1);
        }
        return 0;
    }

    /** Copies a TX chain's frame (its readable bytes after the virtio-net header) into f. */
    private static void copyOut(Chain chain, ByteBuf f) {
        long skip = NET_HDR_BYTES;
        final long dst = f.memoryAddress();
        int at = 0;
        for (int s = 0; s < chain.readableSegments(); s++) {
            long src = chain.address(s);
            long len = chain.length(s);
            if (skip > 0) {
                final long k = Math.min(skip, len);
                src += k;
                len -= k;
                skip -= k;
            }
            if (len > 0) {
                PlatformDependent.copyMemory(src, dst + at, len);
                at += (int) len;
            }
        }
        f.writerIndex(at);
    }

    /** Counted and logged once per queue set-up: the queue stays broken (and silent) until the guest resets it. */
    private void onBrokenQueue(String which, int code) {
        counters().errors++;
        LOG.log(System.Logger.Level.ERROR, "port " + name() + ": the guest's " + which + " queue is malformed (code "
                + code + "); the queue stops until the guest resets the device");
    }

    @Override
    protected int writeQueued() {
        final SplitQueue q = rxQueue;
        if (q == null || q.isBroken()) {
            dropQueued();
            return 0;
        }
        final EgressQueue queue = egressQueue();
        final PortCounters c = counters();
        int written = 0;
        ByteBuf f;
        while ((f = queue.peek()) != null) {
            final int r = fill(q, f);
            if (r == 0) {
                break;
            }
            queue.poll();
            if (r > 0) {
                c.txFrames++;
                c.txBytes += f.readableBytes();
                written++;
            } else {
                c.drop(DropReason.TX_ERROR);
            }
            f.release();
        }
        if (written > 0) {
            q.publishUsed();
            if (q.needsNotify() && rxCall >= 0) {
                Native.eventFdWrite(rxCall, 1);
            }
        }
        // Out of guest buffers: ask for a kick when the guest adds some; the frame waits in the queue meanwhile. The
        // guest may have added buffers before it could see that request (EVENT_IDX): look once more.
        q.setKicksWanted(true);
        if (hasPendingTx() && q.available() > 0) {
            fds.wake();
        }
        return written;
    }

    /** Writes one frame into RX buffers; returns 1, 0 when the guest has too few buffers now, -1 for a bad queue. */
    private int fill(SplitQueue q, ByteBuf f) {
        final long need = NET_HDR_BYTES + (long) f.readableBytes();
        long room = 0;
        int k = 0;
        while (room < need) {
            if (k == (mergeable ? MAX_RX_CHAINS : 1)) {
                q.rewind(k);
                return -1;
            }
            final int head = q.pop(rxChains[k]);
            if (head == SplitQueue.EMPTY) {
                q.rewind(k);
                return 0;
            }
            if (head < 0) {
                onBrokenQueue("RX", head);
                q.rewind(k);
                return -1;
            }
            room += rxChains[k].writableBytes();
            k++;
        }
        // Header, then the frame, spread over the chains' writable segments in order.
        long srcAddr = f.memoryAddress() + f.readerIndex();
        long left = f.readableBytes();
        boolean header = true;
        for (int i = 0; i < k; i++) {
            final Chain ch = rxChains[i];
            int used = 0;
            for (int s = ch.readableSegments(); s < ch.segments() && (header || left > 0); s++) {
                long dst = ch.address(s);
                long len = ch.length(s);
                if (header) {
                    if (len < NET_HDR_BYTES) {
                        q.rewind(k);
                        return -1;
                    }
                    PlatformDependent.setMemory(dst, NET_HDR_BYTES, (byte) 0);
                    PlatformDependent.putShort(dst + NUM_BUFFERS_OFFSET, (short) k);
                    dst += NET_HDR_BYTES;
                    len -= NET_HDR_BYTES;
                    used += NET_HDR_BYTES;
                    header = false;
                }
                final long n = Math.min(len, left);
                if (n > 0) {
                    PlatformDependent.copyMemory(srcAddr, dst, n);
                    srcAddr += n;
                    left -= n;
                    used += (int) n;
                }
            }
            q.addUsed(ch.head(), used);
        }
        return 1;
    }

    private void dropQueued() {
        final EgressQueue queue = egressQueue();
        ByteBuf f;
        while ((f = queue.poll()) != null) {
            f.release();
            counters().drop(DropReason.PORT_DOWN);
        }
    }

    @Override
    protected int writeFrame(ByteBuf f) {
        // Not used: writeQueued() fills guest buffers directly.
        return WRITE_FAILED;
    }

    @Override
    protected void closeDevice() {
        // While guest memory is surely mapped (its unmapping waits for a stop, which needs this thread).
        afterForward();
        closing = true;
        // This runs on the loop: hand-overs the control thread makes while it winds down run in place, not queued
        // behind this call (which waits for that thread).
        loopRunner = Runnable::run;
        if (!client) {
            Syscall.LIBC.shutdown(listenFd, 2);
        }
        final MessageChannel ch = channel;
        if (ch != null) {
            Syscall.LIBC.shutdown(ch.fd(), 2);
        }
        if (client) {
            // Cuts short its pause between connection attempts.
            control.interrupt();
        }
        try {
            control.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        rxQueue = null;
        txQueue = null;
        dropQueued();
        super.closeDevice();
        fds.close();
        if (!client) {
            // The front-end's socket, in mode client, is the front-end's to remove.
            Syscall.closeQuietly(listenFd);
            UnixSockets.deleteQuietly(socketPath);
        }
    }
}
