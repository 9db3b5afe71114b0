package io.uniswitch.tap.device;

import io.netty.buffer.ByteBuf;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.FileDescriptor;
import io.uniswitch.tap.linux.Errno;
import io.uniswitch.tap.linux.Fcntl;
import io.uniswitch.tap.linux.If;
import io.uniswitch.tap.linux.IfTun;
import io.uniswitch.tap.linux.NativeException;
import io.uniswitch.tap.linux.Syscall;
import java.io.IOException;
import jnr.ffi.Pointer;

/**
 * A tap device and the one /dev/net/tun fd attached to it (IFF_TAP | IFF_NO_PI, non-blocking, close-on-exec). One
 * read or write moves exactly one Ethernet frame.
 *
 * <p>Threads: {@code open}, {@code setPersist}, {@code setOffload} and {@code close} run on a control thread;
 * {@code read} and {@code write} on the single loop thread that has the fd registered. Close only after the loop
 * has cancelled its registration: the fd number is reused by the kernel afterwards.
 *
 * <p>Buffers: {@code read} fills the caller's buffer and {@code write} only reads from it; neither keeps, retains
 * or releases it.
 */
public final class TunDevice implements AutoCloseable {
    /** The clone device. */
    public static final String TUN_PATH = "/dev/net/tun";

    static final String HINT_EBUSY = "device held by another process";
    static final String HINT_NO_TUN = "load the tun module (modprobe tun)";
    static final String HINT_EINVAL = "the name belongs to an interface that is not a tap, or IFF_MULTI_QUEUE differs";

    private final String name;
    private final int fd;
    private final FileDescriptor fileDescriptor;
    private final int vnetHdrBytes;
    /** Errnos of a write that lost one frame: tap down (EIO, seen on 6.18), no buffer memory. */
    private static final int[] WRITE_DROPS = {Errno.EIO, Errno.ENOBUFS, Errno.ENOMEM};
    private int lastWriteErrno;

    private TunDevice(String name, int fd, int vnetHdrBytes) {
        this.name = name;
        this.fd = fd;
        this.fileDescriptor = new FileDescriptor(fd);
        this.vnetHdrBytes = vnetHdrBytes;
    }

    /**
     * Creates tap {@code name}, or attaches to it if it exists, then applies {@code options}. If a step after
     * opening fails, the fd is closed (which removes a tap this call created) and the error is thrown.
     *
     * @param name 1 to 15 bytes; a {@code %d} in it lets the kernel pick a number, see {@link #name()}
     * @throws NativeException          e.g. {@code "TUNSETIFF tap100: EBUSY (device held by another process)"}
     * @throws IllegalArgumentException if the name is not a valid interface name
     */
    public static TunDevice open(String name, TapOptions options) {
        return open(TUN_PATH, name, options);
    }

    /** {@link #open(String, TapOptions)} with another clone-device path; tests use it to provoke ENOENT. */
    static TunDevice open(String tunPath, String name, TapOptions options) {
        If.checkName(name);
        // Netty's FileDescriptor natives load with the epoll transport; without this they throw UnsatisfiedLinkError.
        Epoll.ensureAvailability();
        final int fd = Syscall.LIBC.open(tunPath, Fcntl.O_RDWR | Fcntl.O_NONBLOCK | Fcntl.O_CLOEXEC);
        if (fd < 0) {
            final int errno = Syscall.errno();
            throw new NativeException("open", tunPath, errno,
                    errno == Errno.ENOENT ? HINT_NO_TUN : NativeException.defaultHint(errno));
        }
        try {
            final Pointer ifr = If.ifreq(name);
            final int flags = IfTun.IFF_TAP | IfTun.IFF_NO_PI | (options.vnetHdr() ? IfTun.IFF_VNET_HDR : 0);
            ifr.putShort(If.IFR_IFRU, (short) flags);
            if (Syscall.LIBC.ioctl(fd, IfTun.TUNSETIFF, ifr) < 0) {
                final int errno = Syscall.errno();
                throw new NativeException("TUNSETIFF", name, errno, tunSetIffHint(errno));
            }
            final String actual = If.ifrName(ifr);
            int vnetHdrBytes = 0;
            if (options.vnetHdr()) {
                final Pointer size = Syscall.allocate(Integer.BYTES);
                size.putInt(0, IfTun.VIRTIO_NET_HDR_SIZE);
                Syscall.ioctl(fd, IfTun.TUNSETVNETHDRSZ, size, "TUNSETVNETHDRSZ", actual);
                vnetHdrBytes = IfTun.VIRTIO_NET_HDR_SIZE;
            }
            if (options.ownerUid() >= 0) {
                Syscall.ioctl(fd, IfTun.TUNSETOWNER, options.ownerUid(), "TUNSETOWNER", actual);
            }
            if (options.groupGid() >= 0) {
                Syscall.ioctl(fd, IfTun.TUNSETGROUP, options.groupGid(), "TUNSETGROUP", actual);
            }
            if (options.persist()) {
                Syscall.ioctl(fd, IfTun.TUNSETPERSIST, 1L, "TUNSETPERSIST", actual);
            }
            return new TunDevice(actual, fd, vnetHdrBytes);
        } catch (RuntimeException | Error e) {
            Syscall.closeQuietly(fd);
            throw e;
        }
    }

    static String tunSetIffHint(int errno) {
        switch (errno) {
            case Errno.EBUSY:
                return HINT_EBUSY;
            case Errno.EINVAL:
                return HINT_EINVAL;
            default:
                return NativeException.defaultHint(errno);
        }
    }

    /** The name the kernel gave the device (differs from the requested one only for {@code %d} templates). */
    public String name() {
        return name;
    }

    public int fd() {
        return fd;
    }

    /** The fd for registering on a Netty epoll loop; closing it closes this device. */
    public FileDescriptor fileDescriptor() {
        return fileDescriptor;
    }

    /**
     * Bytes of virtio_net_hdr before every frame read or written: 0, or 10 (struct virtio_net_hdr, as AF_PACKET
     * uses) with {@link TapOptions#vnetHdr()}.
     */
    public int vnetHdrBytes() {
        return vnetHdrBytes;
    }

    /**
     * Reads one frame into {@code dst} at its writerIndex, up to its writable bytes, and advances the writerIndex.
     * A frame longer than the writable bytes is truncated by the kernel and the rest is lost, so offer at least
     * MTU + 14 (+ {@link #vnetHdrBytes()}) bytes.
     *
     * @param dst a direct buffer with a memory address and at least one writable byte
     * @return the bytes read, or 0 when no frame is ready (EAGAIN)
     * @throws NativeException on any other error
     */
    public int read(ByteBuf dst) {
        return FrameIo.read(fileDescriptor, dst, name);
    }

    /**
     * Writes the readable bytes of {@code src} as one frame; src's indices are not changed, so one buffer can be
     * written to several devices.
     *
     * @param src a direct buffer with a memory address holding at least a 14-byte Ethernet header
     * @return the bytes written; 0 when the device cannot take it now (EAGAIN); -1 when the kernel refused this
     *     frame and it counts as a drop: EIO while the tap is down, ENOBUFS or ENOMEM ({@link #lastWriteErrno()}
     *     says which)
     * @throws NativeException on other errors, e.g. EINVAL for a frame shorter than 14 bytes, EBADF after close
     */
    public int write(ByteBuf src) {
        final long n = FrameIo.write(fd, src);
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

    /** TUNSETPERSIST: whether the device outlives this fd. */
    public void setPersist(boolean persist) {
        Syscall.ioctl(fd, IfTun.TUNSETPERSIST, persist ? 1L : 0L, "TUNSETPERSIST", name);
    }

    /**
     * TUNSETOFFLOAD: which offloads (IfTun.TUN_F_* bits) this reader accepts; the kernel then sends frames that need
     * a checksum or segmentation, described in the vnet header. Only meaningful with {@link TapOptions#vnetHdr()}.
     */
    public void setOffload(int tunFlags) {
        Syscall.ioctl(fd, IfTun.TUNSETOFFLOAD, tunFlags, "TUNSETOFFLOAD", name);
    }

    public boolean isClosed() {
        return !fileDescriptor.isOpen();
    }

    /** Closes the fd; a transient tap disappears with it. Idempotent. */
    @Override
    public void close() {
        try {
            fileDescriptor.close();
        } catch (IOException e) {
            throw new NativeException("close", name, Errno.EIO, e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "TunDevice[" + name + ", fd " + fd + (isClosed() ? ", closed]" : "]");
    }
}
