package io.uniswitch.tap.device;

import io.netty.buffer.ByteBuf;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.FileDescriptor;
import io.uniswitch.tap.linux.Errno;
import io.uniswitch.tap.linux.NativeException;
import io.uniswitch.tap.linux.SysSocket;
import io.uniswitch.tap.linux.Syscall;
import java.io.IOException;
import jnr.ffi.Pointer;

/**
 * An AF_UNIX SOCK_SEQPACKET socketpair that carries one Ethernet frame per message: the local end is read and
 * written here, the remote end is handed to another process (which then reads and writes frames with plain read()
 * and write(), message boundaries kept). Both ends are non-blocking and close-on-exec; a child gets the remote end
 * only through an explicit dup2.
 *
 * <p>Buffers: AF_UNIX charges a message to the sender's send buffer until the receiver reads it, and a sender whose
 * buffer is full gets EAGAIN. Each end gets {@code SO_SNDBUFFORCE} with its requested size (the kernel doubles it for
 * its bookkeeping, and counts a message at its allocated size: about 768 bytes for a 60-byte frame, 2.3 KiB for a
 * 1514-byte one), so the remote process can write that much ahead of the reader before it could ever see EAGAIN.
 * Forcing needs CAP_NET_ADMIN; without it {@link #open} fails with EPERM rather than leaving the default buffer
 * (about 90 full-size frames) in place.
 *
 * <p>Threads: {@code open}, {@link #drainRemote} and {@code close} on a control thread; {@code read} and
 * {@code write} on the one loop thread that has the local fd registered. Buffers: as {@link TunDevice}.
 */
public final class SocketPair implements AutoCloseable {
    private final String name;
    private final int localFd;
    private final int remoteFd;
    private final FileDescriptor local;
    private final FileDescriptor remote;
    /** One byte of native memory: draining reads each message into it, truncated. Control thread only. */
    private final Pointer scratch;
    /** Errnos of a write that lost one frame: no buffer memory, frame too long. */
    private static final int[] WRITE_DROPS = {Errno.ENOBUFS, Errno.ENOMEM, Errno.EMSGSIZE};
    private int lastWriteErrno;

    private SocketPair(String name, int localFd, int remoteFd) {
        this.name = name;
        this.localFd = localFd;
        this.remoteFd = remoteFd;
        this.local = new FileDescriptor(localFd);
        this.remote = new FileDescriptor(remoteFd);
        this.scratch = Syscall.allocate(1);
    }

    /**
     * Makes the pair and forces the send buffers. Nothing is left open on failure.
     *
     * @param name              what errors name, e.g. the port
     * @param localBufferBytes  the send buffer of this process's end, at least 64 KiB
     * @param remoteBufferBytes the send buffer of the other process's end, at least 64 KiB
     * @throws NativeException e.g. {@code "setsockopt SO_SNDBUFFORCE tap100: EPERM (...)"}
     */
    public static SocketPair open(String name, int localBufferBytes, int remoteBufferBytes) {
        if (localBufferBytes < 65536 || remoteBufferBytes < 65536) {
            throw new IllegalArgumentException("buffer sizes " + localBufferBytes + " and " + remoteBufferBytes
                    + ": each must be at least 64 KiB");
        }
        Epoll.ensureAvailability();
        final Pointer fds = Syscall.allocate(2 * Integer.BYTES);
        if (Syscall.LIBC.socketpair(SysSocket.AF_UNIX, SysSocket.SOCK_SEQPACKET | SysSocket.SOCK_NONBLOCK
                | SysSocket.SOCK_CLOEXEC, 0, fds) < 0) {
            throw NativeException.of("socketpair", name, Syscall.errno());
        }
        final int a = fds.getInt(0);
        final int b = fds.getInt(Integer.BYTES);
        try {
            forceSendBuffer(a, name, localBufferBytes);
            forceSendBuffer(b, name, remoteBufferBytes);
        } catch (NativeException e) {
            Syscall.closeQuietly(a);
            Syscall.closeQuietly(b);
            throw e;
        }
        return new SocketPair(name, a, b);
    }

    private static void forceSendBuffer(int fd, String name, int bytes) {
        final Pointer value = Syscall.allocate(Integer.BYTES);
        value.putInt(0, bytes);
        if (Syscall.LIBC.setsockopt(fd, SysSocket.SOL_SOCKET, SysSocket.SO_SNDBUFFORCE, value, Integer.BYTES) < 0) {
            final int errno = Syscall.errno();
            throw new NativeException("setsockopt SO_SNDBUFFORCE", name, errno, errno == Errno.EPERM
                    ? "forcing a socket buffer needs CAP_NET_ADMIN; run the switch as root or grant it CAP_NET_ADMIN"
                    : NativeException.defaultHint(errno));
        }
    }

    /** The send buffer the kernel accounts for {@code fd} (twice what was asked), for tests and logs. */
    public static int sendBufferBytes(int fd) {
        final Pointer value = Syscall.allocate(Integer.BYTES);
        final Pointer length = Syscall.allocate(Integer.BYTES);
        length.putInt(0, Integer.BYTES);
        if (Syscall.LIBC.getsockopt(fd, SysSocket.SOL_SOCKET, SysSocket.SO_SNDBUF, value, length) < 0) {
            throw NativeException.of("getsockopt SO_SNDBUF", "fd " + fd, Syscall.errno());
        }
        return value.getInt(0);
    }

    public String name() {
        return name;
    }

    /** The end this process reads and writes; register it on the loop. */
    public FileDescriptor fileDescriptor() {
        return local;
    }

    public int localFd() {
        return localFd;
    }

    /** The end for the other process: dup2 it into the child. It stays open here, so a restarted child gets it too. */
    public int remoteFd() {
        return remoteFd;
    }

    /**
     * Reads one frame (one message) at dst's writer index.
     *
     * @return the bytes read, 0 when no frame is ready; a message longer than dst's writable bytes is truncated to
     *     them (size the buffer one byte over the largest frame to see it)
     */
    public int read(ByteBuf dst) {
        return FrameIo.read(local, dst, name);
    }

    /**
     * Writes src's readable bytes as one frame; src's indices are not changed.
     *
     * @return the bytes written; 0 when the send buffer is full (EAGAIN: wait for EPOLLOUT); -1 when the kernel
     *     refused this frame and it counts as a drop (ENOBUFS, ENOMEM, EMSGSIZE; {@link #lastWriteErrno()})
     * @throws NativeException on other errors, e.g. EBADF after close
     */
    public int write(ByteBuf src) {
        final long n = FrameIo.write(localFd, src);
        if (n >= 0) {
            return (int) n;
        }
        lastWriteErrno = (int) -n;
        return FrameIo.failedWrite(lastWriteErrno, WRITE_DROPS, "write", name);
    }

    /** The errno of the last failed write, the reason for a -1; loop thread only. */
    public int lastWriteErrno() {
        return lastWriteErrno;
    }

    /**
     * Discards the frames waiting on the remote end (written here, never read by a process that is gone), so that a
     * restarted process does not start with stale traffic. Control thread, while no process holds the remote end.
     *
     * @return how many frames were discarded
     */
    public int drainRemote() {
        int n = 0;
        while (Syscall.LIBC.recvfrom(remoteFd, scratch.address(), 1, SysSocket.MSG_DONTWAIT, null, null) >= 0) {
            n++;
        }
        return n;
    }

    /** Closes both ends. Idempotent. Only after the loop has cancelled the local end's registration. */
    @Override
    public void close() {
        closeQuietly(local);
        closeQuietly(remote);
    }

    private static void closeQuietly(FileDescriptor fd) {
        try {
            fd.close();
        } catch (IOException e) {
            // Closing a socketpair end cannot fail in a way the caller could act on.
        }
    }

    @Override
    public String toString() {
        return "SocketPair[" + name + ", fds " + localFd + "/" + remoteFd + "]";
    }
}
