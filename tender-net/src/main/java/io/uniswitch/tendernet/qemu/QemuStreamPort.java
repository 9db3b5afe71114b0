package io.uniswitch.tendernet.qemu;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.Native;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.Socket;
import io.uniswitch.bridge.engine.DropReason;
import io.uniswitch.bridge.engine.FrameBatch;
import io.uniswitch.bridge.port.EgressQueue;
import io.uniswitch.bridge.port.FdPort;
import io.uniswitch.bridge.port.PortCounters;
import io.uniswitch.tap.linux.Errno;
import io.uniswitch.tap.linux.NativeException;
import io.uniswitch.tap.linux.SysSocket;
import io.uniswitch.tap.linux.Syscall;
import io.uniswitch.tendernet.EpollSet;
import io.uniswitch.tendernet.UnixSockets;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A VM's NIC over QEMU {@code -netdev stream,server=off,addr.type=unix,addr.path=PATH}: the switch listens on a unix
 * stream socket, QEMU connects, and frames travel as a 4-byte big-endian length followed by the frame.
 *
 * <p>One connection at a time: a VM that reconnects (a restarted QEMU) is accepted and the old connection closed.
 * The port stays up without a connection; frames for it are then dropped as PORT_DOWN.
 *
 * <p>The data plane registers one fd per port, and this port has up to three (listening socket, connection, and an
 * eventfd), so it registers an epoll fd of its own that holds them: the loop sees it readable when any of them is
 * ready, level-triggered, and {@link #receive} then accepts, flushes (the connection's EPOLLOUT) and reads. It does
 * not ask the inner epoll which fd woke it: Netty's EpollEventArray is not public, so each receive() tries one
 * accept4() (EAGAIN, ~250 ns) before reading; that is per batch, not per frame.
 *
 * <p>Receive: the socket is read into one direct buffer and {@link LengthPrefixDecoder} copies each complete frame
 * into a pooled buffer; a bad length prefix closes the connection (counted as RUNT or FRAME_TOO_LARGE) and the VM
 * may connect again. Complete frames left over when the batch is full are signalled through the eventfd, so they
 * never wait for the VM's next write. Transmit: queued frames are copied, each after its prefix, into one staging
 * buffer and written with one write(); a partial write leaves the rest staged and arms EPOLLOUT on the connection.
 * Frames count as sent once staged.
 *
 * <p>Loop thread only after construction (which binds and listens, on a control thread). Ownership: decoded frames go
 * to the batch; queued frames are released once copied into the staging buffer; the two I/O buffers are the port's.
 */
public final class QemuStreamPort extends FdPort {
    public static final String TYPE = "qemu";
    /** Connections QEMU may have waiting while the loop is busy; one VM needs one. */
    private static final int BACKLOG = 4;
    /** I/O buffer size: dozens of 1500-byte frames per read() and write(), fewer system calls under load. */
    private static final int IO_BUFFER_BYTES = 64 * 1024;
    private static final System.Logger LOG = System.getLogger(QemuStreamPort.class.getName());

    private final Path socketPath;
    private final Socket listenSocket;
    /** The listening socket, the connection, and a wake for frames left in rx. */
    private final EpollSet fds;
    private final LengthPrefixDecoder decoder;
    private final ByteBuf rx;
    private final ByteBuf tx;
    private FileDescriptor connection;
    private boolean connectionWriteArmed;
    private long connectionsAccepted;
    private long connectionsClosed;

    /**
     * Binds and listens on {@code socketPath}, which must not exist. Control thread.
     *
     * @throws NativeException naming the port and the path when the socket cannot be made
     */
    public QemuStreamPort(String name, Path socketPath, int mtuBytes, int queueFrames, ByteBufAllocator allocator) {
        super(name, TYPE, mtuBytes, queueFrames, allocator);
        // Before anything is bound: without the native epoll library nothing here can work, and nothing is left.
        Epoll.ensureAvailability();
        this.socketPath = socketPath;
        this.decoder = new LengthPrefixDecoder(mtuBytes + L2_OVERHEAD_BYTES, allocator);
        final int ioBytes = Math.max(IO_BUFFER_BYTES, 2 * decoder.minBufferBytes());
        final Socket listen = new Socket(UnixSockets.bind(name, socketPath, SysSocket.SOCK_STREAM, BACKLOG));
        try {
            this.fds = EpollSet.open(name + " " + socketPath, listen.intValue());
        } catch (RuntimeException e) {
            UnixSockets.closeQuietly(listen);
            UnixSockets.deleteQuietly(socketPath);
            throw e;
        }
        this.listenSocket = listen;
        this.rx = allocator.directBuffer(ioBytes, ioBytes);
        this.tx = allocator.directBuffer(ioBytes, ioBytes);
    }

    public Path socketPath() {
        return socketPath;
    }

    /** Whether a VM is connected. Loop thread. */
    public boolean connected() {
        return connection != null;
    }

    public long connectionsAccepted() {
        return connectionsAccepted;
    }

    /** Connections closed by the switch or the VM, including those replaced by a reconnect. */
    public long connectionsClosed() {
        return connectionsClosed;
    }

    @Override
    public FileDescriptor fileDescriptor() {
        return fds.fileDescriptor();
    }

    @Override
    protected int readFrame(ByteBuf dst) {
        // Not used: receive() reads a byte stream, not one frame per read().
        return 0;
    }

    @Override
    public int receive(FrameBatch batch) {
        fds.clearWake();
        acceptPending();
        if (connection == null) {
            return 0;
        }
        if (hasPendingTx()) {
            flush();
            if (connection == null) {
                return 0;
            }
        }
        final int first = batch.size();
        final ByteBuf in = rx;
        int n = 0;
        while (true) {
            n += decoder.decode(in, batch);
            if (decoder.isCorrupt()) {
                counters().drop(decoder.badLength() < LengthPrefixDecoder.MIN_FRAME_BYTES
                        ? DropReason.RUNT : DropReason.FRAME_TOO_LARGE);
                logClose("bad length prefix " + decoder.badLength() + " (expected "
                        + LengthPrefixDecoder.MIN_FRAME_BYTES + ".." + decoder.maxFrameBytes() + ")");
                closeConnection();
                break;
            }
            if (batch.remaining() == 0) {
                break;
            }
            in.discardReadBytes();
            final int r = readSome(in);
            if (r <= 0) {
                break;
            }
        }
        if (connection != null && decoder.hasCompleteFrame(in)) {
            fds.wake();
        }
        final PortCounters c = counters();
        final int end = batch.size();
        long bytes = 0;
        for (int i = first; i < end; i++) {
            bytes += batch.get(i).readableBytes();
        }
        c.rxFrames += n;
        c.rxBytes += bytes;
        return n;
    }

    /** Reads into in's writable space; returns bytes read, 0 on EAGAIN, -1 after closing the connection. */
    private int readSome(ByteBuf in) {
        final int writerIndex = in.writerIndex();
        int r;
        try {
            r = connection.readAddress(in.memoryAddress(), writerIndex, in.capacity());
        } catch (IOException e) {
            counters().errors++;
            logClose("read failed: " + e.getMessage());
            closeConnection();
            return -1;
        }
        if (r < 0) {
            logClose("closed by the VM");
            closeConnection();
            return -1;
        }
        in.writerIndex(writerIndex + r);
        return r;
    }

    private void acceptPending() {
        while (true) {
            final int fd = Syscall.LIBC.accept4(listenSocket.intValue(), null, null,
                    SysSocket.SOCK_NONBLOCK | SysSocket.SOCK_CLOEXEC);
            if (fd < 0) {
                final int errno = Syscall.errno();
                if (errno != Errno.EAGAIN && errno != Errno.EINTR) {
                    counters().errors++;
                }
                return;
            }
            if (connection != null) {
                logClose("replaced by a new connection (VM reconnected)");
                closeConnection();
            }
            try {
                Native.epollCtlAdd(fds.fd(), fd, Native.EPOLLIN | Native.EPOLLRDHUP);
            } catch (IOException e) {
                counters().errors++;
                Syscall.LIBC.close(fd);
                continue;
            }
            connection = new FileDescriptor(fd);
            connectionsAccepted++;
            LOG.log(System.Logger.Level.INFO, "port " + name() + ": VM connected on " + socketPath);
        }
    }

    /** Closes the connection and forgets its partial records and queued frames (counted as PORT_DOWN). */
    private void closeConnection() {
        final FileDescriptor conn = connection;
        if (conn == null) {
            return;
        }
        connection = null;
        connectionWriteArmed = false;
        connectionsClosed++;
        // close() removes the fd from the epoll set: it was never duplicated.
        UnixSockets.closeQuietly(conn);
        rx.clear();
        tx.clear();
        decoder.reset();
        dropQueued();
    }

    private void dropQueued() {
        final EgressQueue queue = egressQueue();
        ByteBuf f;
        while ((f = queue.poll()) != null) {
            f.release();
            counters().drop(DropReason.PORT_DOWN);
        }
    }

    private void logClose(String why) {
        LOG.log(System.Logger.Level.INFO, "port " + name() + ": VM connection " + why);
    }

    @Override
    public int flush() {
        final int written = writeQueued();
        final boolean wanted = connection != null && hasPendingTx();
        if (wanted != connectionWriteArmed && connection != null) {
            try {
                Native.epollCtlMod(fds.fd(), connection.intValue(),
                        Native.EPOLLIN | Native.EPOLLRDHUP | (wanted ? Native.EPOLLOUT : 0));
                connectionWriteArmed = wanted;
            } catch (IOException e) {
                counters().errors++;
                logClose("epoll_ctl failed: " + e.getMessage());
                closeConnection();
            }
        }
        return written;
    }

    @Override
    protected int writeQueued() {
        if (connection == null) {
            dropQueued();
            return 0;
        }
        final EgressQueue queue = egressQueue();
        final PortCounters c = counters();
        final ByteBuf out = tx;
        int written = 0;
        while (true) {
            ByteBuf f;
            while ((f = queue.peek()) != null) {
                final int length = f.readableBytes();
                if (LengthPrefixDecoder.HEADER_BYTES + length > out.capacity()) {
                    queue.poll();
                    f.release();
                    c.drop(DropReason.TX_ERROR);
                    continue;
                }
                if (out.writableBytes() < LengthPrefixDecoder.HEADER_BYTES + length) {
                    break;
                }
                out.writeInt(length);
                out.writeBytes(f, f.readerIndex(), length);
                queue.poll();
                f.release();
                c.txFrames++;
                c.txBytes += length;
                written++;
            }
            if (!out.isReadable()) {
                out.clear();
                return written;
            }
            final int w;
            try {
                w = connection.writeAddress(out.memoryAddress(), out.readerIndex(), out.writerIndex());
            } catch (IOException e) {
                c.errors++;
                logClose("write failed: " + e.getMessage());
                closeConnection();
                return written;
            }
            if (w <= 0) {
                out.discardReadBytes();
                return written;
            }
            out.skipBytes(w);
            if (!out.isReadable()) {
                out.clear();
            } else {
                out.discardReadBytes();
            }
        }
    }

    @Override
    protected int writeFrame(ByteBuf f) {
        // Not used: writeQueued() stages frames with their prefixes and writes them together.
        return WRITE_FAILED;
    }

    @Override
    public boolean hasPendingTx() {
        return tx.isReadable() || super.hasPendingTx();
    }

    @Override
    protected void closeDevice() {
        closeConnection();
        super.closeDevice();
        UnixSockets.closeQuietly(listenSocket);
        fds.close();
        rx.release();
        tx.release();
        UnixSockets.deleteQuietly(socketPath);
    }
}
