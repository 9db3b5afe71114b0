package io.uniswitch.tap.device;

import io.netty.buffer.ByteBuf;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.FileDescriptor;
import io.uniswitch.tap.linux.Errno;
import io.uniswitch.tap.linux.If;
import io.uniswitch.tap.linux.IfEther;
import io.uniswitch.tap.linux.IfPacket;
import io.uniswitch.tap.linux.NativeException;
import io.uniswitch.tap.linux.SysSocket;
import io.uniswitch.tap.linux.Syscall;
import java.io.IOException;
import jnr.ffi.Pointer;

/**
 * An AF_PACKET raw socket bound to one existing interface: it receives every frame the interface receives (with
 * {@code promisc}, also those for other MACs), not the frames it or anybody else sends (PACKET_IGNORE_OUTGOING),
 * and sends frames out of that interface. One fd, non-blocking, close-on-exec.
 *
 * <p>Threads: {@code open} and {@code close} on a control thread; {@code read}, {@code write} and
 * {@code statistics} on the single loop thread that has the fd registered. Close only after the loop has cancelled
 * its registration. Buffers: never kept, retained or released.
 */
public final class PacketSocket implements AutoCloseable {
    private final String interfaceName;
    private final int ifindex;
    private final int fd;
    private final FileDescriptor fileDescriptor;
    private final Pointer statistics;
    private final Pointer statisticsLength;
    private int lastWriteErrno;

    /** Counters of the socket since the last call to {@link #statistics()}. */
    public record Statistics(long frames, long drops) {
    }

    private PacketSocket(String interfaceName, int ifindex, int fd) {
        this.interfaceName = interfaceName;
        this.ifindex = ifindex;
        this.fd = fd;
        this.fileDescriptor = new FileDescriptor(fd);
        this.statistics = Syscall.allocate(IfPacket.TPACKET_STATS_SIZE);
        this.statisticsLength = Syscall.allocate(Integer.BYTES);
    }

    /**
     * Opens a socket on {@code ifname}. The socket is created with protocol 0, so it receives nothing until bind()
     * sets ETH_P_ALL and the interface in one step; a socket created with ETH_P_ALL would first queue frames from
     * every interface in the namespace.
     *
     * @param promisc also join PACKET_MR_PROMISC; the interface leaves promiscuous mode when the socket closes
     * @throws NativeException e.g. {@code "SIOCGIFINDEX eth9: ENODEV (no such interface; check the name with `ip
     *     link`)"}; the fd is closed if a step after socket() fails
     */
    public static PacketSocket open(String ifname, boolean promisc) {
        If.checkName(ifname);
        Epoll.ensureAvailability();
        final int ifindex = NetInterfaces.index(ifname);
        final int fd = Syscall.LIBC.socket(SysSocket.AF_PACKET,
                SysSocket.SOCK_RAW | SysSocket.SOCK_NONBLOCK | SysSocket.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw NativeException.of("socket", ifname, Syscall.errno());
        }
        try {
            final Pointer one = Syscall.allocate(Integer.BYTES);
            one.putInt(0, 1);
            if (Syscall.LIBC.setsockopt(fd, IfPacket.SOL_PACKET, IfPacket.PACKET_IGNORE_OUTGOING, one,
                    Integer.BYTES) < 0) {
                throw NativeException.of("PACKET_IGNORE_OUTGOING", ifname, Syscall.errno());
            }
            final Pointer sll = Syscall.allocate(IfPacket.SOCKADDR_LL_SIZE);
            sll.putShort(IfPacket.SLL_FAMILY, (short) SysSocket.AF_PACKET);
            sll.putShort(IfPacket.SLL_PROTOCOL, (short) IfEther.htons(IfEther.ETH_P_ALL));
            sll.putInt(IfPacket.SLL_IFINDEX, ifindex);
            if (Syscall.LIBC.bind(fd, sll, IfPacket.SOCKADDR_LL_SIZE) < 0) {
                throw NativeException.of("bind", ifname, Syscall.errno());
            }
            if (promisc) {
                final Pointer mreq = Syscall.allocate(IfPacket.PACKET_MREQ_SIZE);
                mreq.putInt(IfPacket.MR_IFINDEX, ifindex);
                mreq.putShort(IfPacket.MR_TYPE, (short) IfPacket.PACKET_MR_PROMISC);
                if (Syscall.LIBC.setsockopt(fd, IfPacket.SOL_PACKET, IfPacket.PACKET_ADD_MEMBERSHIP, mreq,
                        IfPacket.PACKET_MREQ_SIZE) < 0) {
                    throw NativeException.of("PACKET_ADD_MEMBERSHIP", ifname, Syscall.errno());
                }
            }
            return new PacketSocket(ifname, ifindex, fd);
        } catch (RuntimeException | Error e) {
            Syscall.closeQuietly(fd);
            throw e;
        }
    }

    public String interfaceName() {
        return interfaceName;
    }

    public int ifindex() {
        return ifindex;
    }

    public int fd() {
        return fd;
    }

    /** The fd for registering on a Netty epoll loop; closing it closes this socket. */
    public FileDescriptor fileDescriptor() {
        return fileDescriptor;
    }

    /**
     * Reads one frame into {@code dst} at its writerIndex, up to its writable bytes, and advances the writerIndex.
     * A longer frame is truncated and its rest is lost. ENETDOWN, which the socket reports once after its
     * interface went down, reads as 0.
     *
     * @return the bytes read, or 0 when no frame is ready
     * @throws NativeException on other errors, e.g. ENXIO when the interface was deleted
     */
    public int read(ByteBuf dst) {
        try {
            return FrameIo.read(fileDescriptor, dst, interfaceName);
        } catch (NativeException e) {
            if (e.errno() == Errno.ENETDOWN) {
                return 0;
            }
            throw e;
        }
    }

    /**
     * Sends the readable bytes of {@code src} as one frame out of the interface; src's indices are not changed.
     *
     * @return the bytes written; 0 on EAGAIN (socket buffer full, wait for EPOLLOUT); -1 when the kernel dropped
     *     this frame: ENOBUFS (device queue full), EMSGSIZE (longer than MTU + 14) or ENETDOWN, see
     *     {@link #lastWriteErrno()}
     * @throws NativeException on other errors, e.g. ENXIO when the interface was deleted
     */
    public int write(ByteBuf src) {
        final long n = FrameIo.write(fd, src);
        if (n >= 0) {
            return (int) n;
        }
        final int errno = (int) -n;
        switch (errno) {
            case Errno.EAGAIN:
                return 0;
            case Errno.ENOBUFS:
            case Errno.EMSGSIZE:
            case Errno.ENETDOWN:
                lastWriteErrno = errno;
                return -1;
            default:
                throw NativeException.of("write", interfaceName, errno);
        }
    }

    /** The errno behind the last write that returned -1. */
    public int lastWriteErrno() {
        return lastWriteErrno;
    }

    /**
     * PACKET_STATISTICS: frames the socket received (including dropped ones) and frames it dropped because its
     * receive buffer was full, since the previous call; the kernel resets both on every read. Allocates one record.
     */
    public Statistics statistics() {
        statisticsLength.putInt(0, IfPacket.TPACKET_STATS_SIZE);
        if (Syscall.LIBC.getsockopt(fd, IfPacket.SOL_PACKET, IfPacket.PACKET_STATISTICS, statistics,
                statisticsLength) < 0) {
            throw NativeException.of("PACKET_STATISTICS", interfaceName, Syscall.errno());
        }
        return new Statistics(Integer.toUnsignedLong(statistics.getInt(0)),
                Integer.toUnsignedLong(statistics.getInt(4)));
    }

    public boolean isClosed() {
        return !fileDescriptor.isOpen();
    }

    /** Closes the fd, which also drops the promiscuous membership. Idempotent. */
    @Override
    public void close() {
        try {
            fileDescriptor.close();
        } catch (IOException e) {
            throw new NativeException("close", interfaceName, Errno.EIO, e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "PacketSocket[" + interfaceName + " (" + ifindex + "), fd " + fd + (isClosed() ? ", closed]" : "]");
    }
}
