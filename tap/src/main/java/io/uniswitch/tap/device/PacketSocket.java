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
 * and sends frames out of that interface, one per write() or many per {@link #send} (sendmmsg). One fd,
 * non-blocking, close-on-exec, and optionally a mapped receive ring ({@link PacketRing}).
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
    private final Pointer socketError;
    private final Pointer socketErrorLength;
    private final PacketRing ring;
    /** Errnos of a send that lost one frame: device queue full, frame too long, interface down. */
    private static final int[] WRITE_DROPS = {Errno.ENOBUFS, Errno.EMSGSIZE, Errno.ENETDOWN};
    private int lastWriteErrno;

    /** Counters of the socket since the last call to {@link #statistics()}. */
    public record Statistics(long frames, long drops) {
    }

    private PacketSocket(String interfaceName, int ifindex, int fd, PacketRing ring) {
        this.interfaceName = interfaceName;
        this.ifindex = ifindex;
        this.fd = fd;
        this.fileDescriptor = new FileDescriptor(fd);
        this.statistics = Syscall.allocate(IfPacket.TPACKET_STATS_SIZE);
        this.statisticsLength = Syscall.allocate(Integer.BYTES);
        this.socketError = Syscall.allocate(Integer.BYTES);
        this.socketErrorLength = Syscall.allocate(Integer.BYTES);
        this.ring = ring;
    }

    /**
     * Opens a socket on {@code ifname} that reads with one read() per frame and sends through the qdisc.
     *
     * @see #open(String, boolean, PacketRing.Config, boolean)
     */
    public static PacketSocket open(String ifname, boolean promisc) {
        return open(ifname, promisc, null, false);
    }

    /**
     * Opens a socket on {@code ifname}. The socket is created with protocol 0, so it receives nothing until bind()
     * sets ETH_P_ALL and the interface in one step; a socket created with ETH_P_ALL would first queue frames from
     * every interface in the namespace. PACKET_IGNORE_OUTGOING acts where the kernel hands outgoing frames to packet
     * taps (dev_queue_xmit_nit), before the frame reaches a socket's queue or ring, so it holds with a ring as well.
     *
     * @param promisc also join PACKET_MR_PROMISC; the interface leaves promiscuous mode when the socket closes
     * @param ring a receive ring to map, or null to read with one read() per frame
     * @param qdiscBypass PACKET_QDISC_BYPASS: sends go straight to the driver, skipping the qdisc (and packet taps
     *     such as tcpdump on the interface do not see them)
     * @throws NativeException e.g. {@code "SIOCGIFINDEX eth9: ENODEV (no such interface; check the name with `ip
     *     link`)"}; the fd is closed and the ring unmapped if a step after socket() fails
     */
    public static PacketSocket open(String ifname, boolean promisc, PacketRing.Config ring, boolean qdiscBypass) {
        return open(ifname, promisc, ring, qdiscBypass, false);
    }

    /**
     * As {@link #open(String, boolean, PacketRing.Config, boolean)}, and with {@code vnetHdr} PACKET_VNET_HDR: every
     * frame read (and in the ring) is preceded by a 10-byte virtio_net_hdr describing GSO and checksum state, so the
     * interface may keep GRO/GSO/TSO and checksum offloads on; every frame sent must carry one too, and the kernel
     * segments and checksums it as the interface needs.
     */
    public static PacketSocket open(String ifname, boolean promisc, PacketRing.Config ring, boolean qdiscBypass,
            boolean vnetHdr) {
        If.checkName(ifname);
        Epoll.ensureAvailability();
        final int ifindex = NetInterfaces.index(ifname);
        final int fd = Syscall.LIBC.socket(SysSocket.AF_PACKET,
                SysSocket.SOCK_RAW | SysSocket.SOCK_NONBLOCK | SysSocket.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw NativeException.of("socket", ifname, Syscall.errno());
        }
        PacketRing mapped = null;
        try {
            final Pointer one = Syscall.allocate(Integer.BYTES);
            one.putInt(0, 1);
            if (Syscall.LIBC.setsockopt(fd, IfPacket.SOL_PACKET, IfPacket.PACKET_IGNORE_OUTGOING, one,
                    Integer.BYTES) < 0) {
                throw NativeException.of("PACKET_IGNORE_OUTGOING", ifname, Syscall.errno());
            }
            if (qdiscBypass && Syscall.LIBC.setsockopt(fd, IfPacket.SOL_PACKET, IfPacket.PACKET_QDISC_BYPASS, one,
                    Integer.BYTES) < 0) {
                throw NativeException.of("PACKET_QDISC_BYPASS", ifname, Syscall.errno());
            }
            if (vnetHdr && Syscall.LIBC.setsockopt(fd, IfPacket.SOL_PACKET, IfPacket.PACKET_VNET_HDR, one,
                    Integer.BYTES) < 0) {
                throw NativeException.of("PACKET_VNET_HDR", ifname, Syscall.errno());
            }
            if (ring != null) {
                mapped = PacketRing.map(fd, ring, ifname, vnetHdr);
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
            return new PacketSocket(ifname, ifindex, fd, mapped);
        } catch (RuntimeException | Error e) {
            Syscall.closeQuietly(fd);
            if (mapped != null) {
                mapped.close();
            }
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

    /** The receive ring, or null when frames are read with one read() each. */
    public PacketRing ring() {
        return ring;
    }

    /**
     * Reads one frame into {@code dst} at its writerIndex, up to its writable bytes, and advances the writerIndex.
     * Without a ring, a longer frame is truncated and its rest is lost, and ENETDOWN, which the socket reports once
     * after its interface went down, reads as 0. With a ring ({@link PacketRing#read}), no system call is made; a
     * longer frame is not copied and the result is larger than dst's writable bytes; errors show as EPOLLERR and are
     * taken with {@link #takeError()}.
     *
     * @return the bytes read, or 0 when no frame is ready
     * @throws NativeException on other errors, e.g. ENXIO when the interface was deleted
     */
    public int read(ByteBuf dst) {
        if (ring != null) {
            return ring.read(dst);
        }
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
        lastWriteErrno = (int) -n;
        return FrameIo.failedWrite(lastWriteErrno, WRITE_DROPS, "write", interfaceName);
    }

    /**
     * Sends messages {@code from} to {@code batch.size() - 1} of batch with one sendmmsg, in order, each as one
     * frame; the buffers' indices are not changed. The kernel stops at the first message it refuses.
     *
     * @return how many messages, starting at {@code from}, were sent ({@link SendBatch#sentBytes} has each one's
     *     length); 0 on EAGAIN (wait for EPOLLOUT); -1 when the kernel dropped message {@code from}, for the reasons
     *     {@link #write} gives, see {@link #lastWriteErrno()}
     * @throws NativeException on other errors, e.g. ENXIO when the interface was deleted
     */
    public int send(SendBatch batch, int from) {
        final int count = batch.size() - from;
        if (count <= 0) {
            return 0;
        }
        final int n = Syscall.LIBC.sendmmsg(fd, batch.messagesAddress(from), count, 0);
        if (n >= 0) {
            return n;
        }
        lastWriteErrno = Syscall.errno();
        return FrameIo.failedWrite(lastWriteErrno, WRITE_DROPS, "sendmmsg", interfaceName);
    }

    /**
     * Takes and clears the socket's pending error (SO_ERROR), which makes epoll report EPOLLERR until taken: with a
     * ring no read() ever collects it. ENETDOWN is set when the interface goes down or is deleted. One system call;
     * for EPOLLERR events, not per frame.
     *
     * @return the errno, or 0 if none was pending
     */
    public int takeError() {
        socketErrorLength.putInt(0, Integer.BYTES);
        if (Syscall.LIBC.getsockopt(fd, SysSocket.SOL_SOCKET, SysSocket.SO_ERROR, socketError,
                socketErrorLength) < 0) {
            throw NativeException.of("SO_ERROR", interfaceName, Syscall.errno());
        }
        return socketError.getInt(0);
    }

    /** The errno of the last failed write or send, the reason for a -1. */
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

    /** Closes the fd, which also drops the promiscuous membership, then unmaps the ring. Idempotent. */
    @Override
    public void close() {
        try {
            fileDescriptor.close();
        } catch (IOException e) {
            throw new NativeException("close", interfaceName, Errno.EIO, e.getMessage());
        } finally {
            if (ring != null) {
                ring.close();
            }
        }
    }

    @Override
    public String toString() {
        return "PacketSocket[" + interfaceName + " (" + ifindex + "), fd " + fd
                + (ring == null ? "" : ", " + ring.config()) + (isClosed() ? ", closed]" : "]");
    }
}
