package io.uniswitch.bridge.loop;

import io.netty.channel.IoEvent;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;
import io.uniswitch.bridge.engine.FrameBatch;
import io.uniswitch.bridge.engine.ForwardingEngine;
import io.uniswitch.bridge.port.FdPort;
import io.uniswitch.tap.linux.Errno;
import io.uniswitch.tap.linux.NativeException;

/**
 * Binds one {@link FdPort} to the epoll loop. Readiness is level-triggered, so a wakeup reads a bounded number of
 * batches and leaves the rest for the next wakeup: one busy port cannot starve the others. EPOLLOUT is watched only
 * while the port has frames queued that the kernel would not take.
 *
 * <p>Loop thread only, except construction. An unexpected throwable takes this port down and is logged once; the
 * loop keeps running.
 */
final class PortHandle implements EpollIoHandle, FdPort.WriteInterest {
    /** Batches read per wakeup: 4 x 64 frames, then other ports get their turn. */
    static final int BATCHES_PER_WAKEUP = 4;

    private static final System.Logger LOG = System.getLogger(PortHandle.class.getName());
    private static final long ERROR_LOG_INTERVAL_NS = 10_000_000_000L;
    private static final EpollIoOps READ = EpollIoOps.EPOLLIN;
    private static final EpollIoOps READ_WRITE = EpollIoOps.EPOLLIN.with(EpollIoOps.EPOLLOUT);

    private final FdPort port;
    private final ForwardingEngine engine;
    private final FrameBatch batch = new FrameBatch();
    private IoRegistration registration;
    private boolean writeArmed;
    private boolean failed;
    private long lastErrorLogNs;

    private final LoopLoad load;

    PortHandle(FdPort port, ForwardingEngine engine, LoopLoad load) {
        this.load = load;
        this.port = port;
        this.engine = engine;
    }

    FdPort port() {
        return port;
    }

    void start(IoRegistration registration) {
        this.registration = registration;
        port.setWriteInterest(this);
        registration.submit(READ);
    }

    @Override
    public FileDescriptor fd() {
        return port.fileDescriptor();
    }

    @Override
    public void handle(IoRegistration reg, IoEvent event) {
        if (failed) {
            return;
        }
        final long startNs = System.nanoTime();
        try {
            EpollIoOps ops = ((EpollIoEvent) event).ops();
            if (ops.contains(EpollIoOps.EPOLLOUT)) {
                port.flush();
            }
            final boolean errorEvent = ops.contains(EpollIoOps.EPOLLERR);
            if (ops.contains(EpollIoOps.EPOLLIN) || errorEvent) {
                if (errorEvent) {
                    port.onErrorEvent();
                }
                readBatches();
            }
        } catch (Throwable t) {
            fail(t);
        }
        load.add(System.nanoTime() - startNs);
    }

    /**
     * For a port whose frames are visible in memory ({@link FdPort#rxPendingVisible}): reads them if there are any,
     * as an EPOLLIN wakeup would, without asking epoll. Returns whether there were.
     */
    boolean pollIfPending() {
        if (failed || !port.rxPending()) {
            return false;
        }
        final long startNs = System.nanoTime();
        try {
            readBatches();
        } catch (Throwable t) {
            fail(t);
        }
        load.add(System.nanoTime() - startNs);
        return true;
    }

    private void readBatches() {
        for (int i = 0; i < BATCHES_PER_WAKEUP; i++) {
            if (engine.pollOnce(port, batch) < FrameBatch.MAX) {
                break;
            }
        }
        NativeException error = port.takeReadError();
        if (error != null) {
            onReadError(error);
        }
    }

    /**
     * ENETDOWN is reported once when a link goes down and the socket works again once it is up: count it and go on.
     * Any other read error means the device is gone or broken: take the port down rather than spin on EPOLLERR.
     */
    private void onReadError(NativeException e) {
        if (e.errno() == Errno.ENETDOWN) {
            long now = System.nanoTime();
            if (now - lastErrorLogNs > ERROR_LOG_INTERVAL_NS || lastErrorLogNs == 0) {
                lastErrorLogNs = now;
                LOG.log(System.Logger.Level.WARNING, "port " + port.name() + ": " + e.getMessage()
                        + " (link down; errors counted, logged at most every 10 s)");
            }
            return;
        }
        fail(e);
    }

    @Override
    public void writeWanted(boolean wanted) {
        if (wanted != writeArmed && registration != null && registration.isValid()) {
            writeArmed = wanted;
            registration.submit(wanted ? READ_WRITE : READ);
        }
    }

    /** Whether the port waits for EPOLLOUT: frames are queued that its fd would not take. */
    boolean writeArmed() {
        return writeArmed;
    }

    private void fail(Throwable t) {
        failed = true;
        // Nothing will flush this port again; a stale EPOLLOUT wish would keep the loop asking epoll every pass.
        writeArmed = false;
        batch.releaseAll();
        port.counters().errors++;
        port.setUp(false);
        if (t instanceof NativeException) {
            LOG.log(System.Logger.Level.ERROR, "port " + port.name() + ": taken down: " + t.getMessage());
        } else {
            LOG.log(System.Logger.Level.ERROR, "port " + port.name() + ": taken down after an unexpected error", t);
        }
        cancel();
    }

    boolean failed() {
        return failed;
    }

    void cancel() {
        if (registration != null && registration.isValid()) {
            registration.cancel();
        }
    }

    @Override
    public void close() {
        port.close();
    }
}
