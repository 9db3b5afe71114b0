package io.uniswitch.tendernet.qemu;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.Socket;
import io.uniswitch.bridge.port.FdPort;
import io.uniswitch.tap.linux.Errno;
import io.uniswitch.tap.linux.NativeException;
import io.uniswitch.tap.linux.SysSocket;
import io.uniswitch.tap.linux.Syscall;
import io.uniswitch.tendernet.UnixSockets;
import java.nio.file.Path;
import jnr.ffi.Pointer;

/**
 * A VM's NIC over QEMU {@code -netdev dgram,local.type=unix,local.path=VM,remote.type=unix,remote.path=PATH}: the
 * switch binds a unix datagram socket at {@code PATH}; each datagram is one frame. The switch sends to the address it
 * last received a frame from, so a restarted VM is reached again once it has sent one frame (QEMU's guest sends ARP
 * or DHCP as soon as its link is up). Until then frames for the VM are dropped as TX_ERROR.
 *
 * <p>Loop thread only after construction (which binds, on a control thread). Buffers: as {@link FdPort}; the peer
 * address lives in native memory allocated once, so a frame costs one recvfrom() or sendto() and no allocation.
 */
public final class QemuDgramPort extends FdPort {
    public static final String TYPE = "qemu";

    private final Path socketPath;
    private final Socket socket;
    private final int fd;
    /** The address recvfrom() fills in, and its length (in and out). */
    private final Pointer from;
    private final Pointer fromLength;
    /** Where frames go: the last sender. */
    private final Pointer peer;
    private int peerLength;
    private int lastWriteErrno;

    /**
     * Binds a datagram socket at {@code socketPath}, which must not exist. Control thread.
     *
     * @throws NativeException naming the port and the path when the socket cannot be made
     */
    public QemuDgramPort(String name, Path socketPath, int mtuBytes, int queueFrames, ByteBufAllocator allocator) {
        super(name, TYPE, mtuBytes, queueFrames, allocator);
        Epoll.ensureAvailability();
        this.socketPath = socketPath;
        final Socket s = new Socket(UnixSockets.bind(name, socketPath, SysSocket.SOCK_DGRAM, 0));
        this.socket = s;
        this.fd = s.intValue();
        this.from = Syscall.allocate(SysSocket.SOCKADDR_UN_SIZE);
        this.fromLength = Syscall.allocate(Integer.BYTES);
        this.peer = Syscall.allocate(SysSocket.SOCKADDR_UN_SIZE);
    }

    public Path socketPath() {
        return socketPath;
    }

    /** Whether a VM has sent a frame, so the switch knows where to send. */
    public boolean hasPeer() {
        return peerLength > 0;
    }

    /** errno of the last refused sendto(), e.g. ECONNREFUSED or ENOENT once the VM is gone. */
    public int lastWriteErrno() {
        return lastWriteErrno;
    }

    @Override
    public FileDescriptor fileDescriptor() {
        return socket;
    }

    @Override
    protected int readFrame(ByteBuf dst) {
        final int writerIndex = dst.writerIndex();
        fromLength.putInt(0, SysSocket.SOCKADDR_UN_SIZE);
        final long n = Syscall.LIBC.recvfrom(fd, dst.memoryAddress() + writerIndex, dst.capacity() - writerIndex,
                SysSocket.MSG_DONTWAIT, from, fromLength);
        if (n < 0) {
            final int errno = Syscall.errno();
            if (errno == Errno.EAGAIN || errno == Errno.EINTR) {
                return 0;
            }
            throw NativeException.of("recvfrom", name(), errno);
        }
        final int length = fromLength.getInt(0);
        // An unbound sender (length 2: family only) cannot be answered; keep the last peer that can.
        if (length > 2 && length <= SysSocket.SOCKADDR_UN_SIZE) {
            from.transferTo(0, peer, 0, length);
            peerLength = length;
        }
        dst.writerIndex(writerIndex + (int) n);
        // A datagram longer than the buffer is truncated to its size, which FdPort drops as FRAME_TOO_LARGE.
        return (int) n;
    }

    @Override
    protected int writeFrame(ByteBuf f) {
        if (peerLength == 0) {
            return WRITE_FAILED;
        }
        final int readerIndex = f.readerIndex();
        final long n = Syscall.LIBC.sendto(fd, f.memoryAddress() + readerIndex, f.writerIndex() - readerIndex,
                SysSocket.MSG_DONTWAIT, peer, peerLength);
        if (n >= 0) {
            return (int) n;
        }
        final int errno = Syscall.errno();
        if (errno == Errno.EAGAIN) {
            return WOULD_BLOCK;
        }
        lastWriteErrno = errno;
        return WRITE_FAILED;
    }

    @Override
    protected void closeDevice() {
        super.closeDevice();
        UnixSockets.closeQuietly(socket);
        UnixSockets.deleteQuietly(socketPath);
    }
}
