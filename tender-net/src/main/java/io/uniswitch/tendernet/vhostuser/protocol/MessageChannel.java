package io.uniswitch.tendernet.vhostuser.protocol;

import io.uniswitch.tap.linux.Errno;
import io.uniswitch.tap.linux.NativeException;
import io.uniswitch.tap.linux.SysSocket;
import io.uniswitch.tap.linux.Syscall;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jnr.ffi.Pointer;

/**
 * A vhost-user connection: a blocking AF_UNIX stream socket on which whole messages (12-byte header, payload, up to
 * {@link #MAX_FDS} descriptors as SCM_RIGHTS) come in and replies go out. The header is read with recvmsg() so the
 * descriptors sent with it arrive too (close-on-exec); the payload follows with plain reads. Netty's fd passing takes
 * one descriptor per message, which SET_MEM_TABLE's several would overflow, hence jnr-ffi here.
 *
 * <p>The front-end is not trusted: a bad version, a payload over {@link #MAX_PAYLOAD_BYTES}, a payload size the
 * request does not have, or truncated control data (lost descriptors) is a {@link ProtocolException}. One control
 * thread per connection; the native buffers are allocated once.
 */
public final class MessageChannel implements AutoCloseable {
    /** More than any request we accept needs (SET_MEM_TABLE with 8 regions: 264 bytes; config space: 268). */
    public static final int MAX_PAYLOAD_BYTES = 4096;
    public static final int MAX_FDS = 8;

    private final String name;
    private final int fd;
    private final Pointer msghdr = Syscall.allocate(SysSocket.MSGHDR_SIZE);
    private final Pointer iov = Syscall.allocate(SysSocket.IOVEC_SIZE);
    private final int controlBytes = SysSocket.CMSG_HEADER_SIZE + MAX_FDS * Integer.BYTES;
    private final Pointer control = Syscall.allocate(controlBytes);
    private final Pointer buffer = Syscall.allocate(VhostUser.HEADER_BYTES + MAX_PAYLOAD_BYTES);
    private boolean closed;

    /** @param fd a connected stream socket; this channel closes it */
    public MessageChannel(String name, int fd) {
        this.name = name;
        this.fd = fd;
    }

    public int fd() {
        return fd;
    }

    /**
     * Reads the next message.
     *
     * @throws EOFException      when the front-end closed the connection between messages
     * @throws ProtocolException for a malformed message (its descriptors are closed)
     * @throws IOException       when the socket fails or closes inside a message
     */
    public Message read() throws IOException, ProtocolException {
        iov.putAddress(SysSocket.IOV_BASE, buffer.address());
        iov.putLong(SysSocket.IOV_LEN, VhostUser.HEADER_BYTES);
        msghdr.putAddress(SysSocket.MSGHDR_IOV, iov.address());
        msghdr.putLong(SysSocket.MSGHDR_IOVLEN, 1);
        msghdr.putAddress(SysSocket.MSGHDR_CONTROL, control.address());
        msghdr.putLong(SysSocket.MSGHDR_CONTROLLEN, controlBytes);
        msghdr.putInt(SysSocket.MSGHDR_FLAGS, 0);
        long n;
        do {
            n = Syscall.LIBC.recvmsg(fd, msghdr, SysSocket.MSG_CMSG_CLOEXEC);
        } while (n < 0 && Syscall.errno() == Errno.EINTR);
        if (n < 0) {
            throw new IOException(NativeException.of("recvmsg", name, Syscall.errno()).getMessage());
        }
        if (n == 0) {
            throw new EOFException(name + ": the front-end closed the connection");
        }
        final int[] fds = takeFds();
        try {
            if ((msghdr.getInt(SysSocket.MSGHDR_FLAGS) & SysSocket.MSG_CTRUNC) != 0) {
                throw new ProtocolException("more than " + MAX_FDS + " descriptors in one message");
            }
            if (n < VhostUser.HEADER_BYTES) {
                readFully(buffer.address() + n, VhostUser.HEADER_BYTES - (int) n);
            }
            final int request = buffer.getInt(0);
            final int flags = buffer.getInt(4);
            final int size = buffer.getInt(8);
            if ((flags & VhostUser.VERSION_MASK) != VhostUser.VERSION) {
                throw new ProtocolException(VhostUser.name(request) + ": protocol version " + (flags
                        & VhostUser.VERSION_MASK) + ", expected " + VhostUser.VERSION);
            }
            if (size < 0 || size > MAX_PAYLOAD_BYTES) {
                throw new ProtocolException(VhostUser.name(request) + ": payload of " + Integer.toUnsignedString(size)
                        + " bytes (at most " + MAX_PAYLOAD_BYTES + ")");
            }
            // Replies (read by a front-end, as tests do) carry their own payloads; requests have fixed sizes. The
            // back-end refuses anything flagged as a reply, so the flag cannot smuggle a short request past this.
            final int expected = (flags & VhostUser.FLAG_REPLY) != 0 ? -1 : VhostUser.payloadBytes(request);
            if (expected >= 0 && size != expected) {
                throw new ProtocolException(VhostUser.name(request) + ": payload of " + size + " bytes, expected "
                        + expected);
            }
            readFully(buffer.address() + VhostUser.HEADER_BYTES, size);
            final byte[] payload = new byte[size];
            buffer.get(VhostUser.HEADER_BYTES, payload, 0, size);
            return new Message(request, flags, payload, fds);
        } catch (ProtocolException | IOException | RuntimeException e) {
            for (int f : fds) {
                Syscall.closeQuietly(f);
            }
            throw e;
        }
    }

    /** The descriptors of the last recvmsg's SCM_RIGHTS control messages. */
    private int[] takeFds() {
        final long length = msghdr.getLong(SysSocket.MSGHDR_CONTROLLEN);
        int count = 0;
        final int[] fds = new int[MAX_FDS];
        long at = 0;
        while (at + SysSocket.CMSG_HEADER_SIZE <= length) {
            final long cmsgLen = control.getLong(at);
            if (cmsgLen < SysSocket.CMSG_HEADER_SIZE || at + cmsgLen > length) {
                break;
            }
            if (control.getInt(at + SysSocket.CMSG_LEVEL) == SysSocket.SOL_SOCKET
                    && control.getInt(at + SysSocket.CMSG_TYPE) == SysSocket.SCM_RIGHTS) {
                final int k = (int) ((cmsgLen - SysSocket.CMSG_HEADER_SIZE) / Integer.BYTES);
                for (int i = 0; i < k && count < MAX_FDS; i++) {
                    fds[count++] = control.getInt(at + SysSocket.CMSG_HEADER_SIZE + 4L * i);
                }
            }
            at += (cmsgLen + 7) & ~7L;
        }
        return java.util.Arrays.copyOf(fds, count);
    }

    private void readFully(long address, int bytes) throws IOException {
        int done = 0;
        while (done < bytes) {
            final long n = Syscall.LIBC.read(fd, address + done, bytes - done);
            if (n > 0) {
                done += (int) n;
            } else if (n == 0) {
                throw new EOFException(name + ": the front-end closed the connection inside a message");
            } else if (Syscall.errno() != Errno.EINTR) {
                throw new IOException(NativeException.of("read", name, Syscall.errno()).getMessage());
            }
        }
    }

    /** Sends a reply to {@code request} with {@code payload} (native order). */
    public void reply(int request, byte[] payload) throws IOException {
        send(request, VhostUser.VERSION | VhostUser.FLAG_REPLY, payload, new int[0]);
    }

    /** Sends a u64 reply. */
    public void replyU64(int request, long value) throws IOException {
        reply(request, ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(value).array());
    }

    /** Sends a message with descriptors; the front-end side of tests uses it for requests. */
    public void send(int request, int flags, byte[] payload, int[] fds) throws IOException {
        if (payload.length > MAX_PAYLOAD_BYTES || fds.length > MAX_FDS) {
            throw new IllegalArgumentException("payload " + payload.length + " bytes, " + fds.length + " fds");
        }
        buffer.putInt(0, request);
        buffer.putInt(4, flags);
        buffer.putInt(8, payload.length);
        buffer.put(VhostUser.HEADER_BYTES, payload, 0, payload.length);
        final int total = VhostUser.HEADER_BYTES + payload.length;
        iov.putAddress(SysSocket.IOV_BASE, buffer.address());
        iov.putLong(SysSocket.IOV_LEN, total);
        msghdr.putAddress(SysSocket.MSGHDR_IOV, iov.address());
        msghdr.putLong(SysSocket.MSGHDR_IOVLEN, 1);
        if (fds.length > 0) {
            final long cmsgLen = SysSocket.CMSG_HEADER_SIZE + 4L * fds.length;
            control.putLong(0, cmsgLen);
            control.putInt(SysSocket.CMSG_LEVEL, SysSocket.SOL_SOCKET);
            control.putInt(SysSocket.CMSG_TYPE, SysSocket.SCM_RIGHTS);
            for (int i = 0; i < fds.length; i++) {
                control.putInt(SysSocket.CMSG_HEADER_SIZE + 4L * i, fds[i]);
            }
            msghdr.putAddress(SysSocket.MSGHDR_CONTROL, control.address());
            msghdr.putLong(SysSocket.MSGHDR_CONTROLLEN, (cmsgLen + 7) & ~7L);
        } else {
            msghdr.putAddress(SysSocket.MSGHDR_CONTROL, 0);
            msghdr.putLong(SysSocket.MSGHDR_CONTROLLEN, 0);
        }
        msghdr.putInt(SysSocket.MSGHDR_FLAGS, 0);
        long n;
        do {
            n = Syscall.LIBC.sendmsg(fd, msghdr, SysSocket.MSG_NOSIGNAL);
        } while (n < 0 && Syscall.errno() == Errno.EINTR);
        if (n < 0) {
            throw new IOException(NativeException.of("sendmsg", name, Syscall.errno()).getMessage());
        }
        if (n < total) {
            // The descriptors went with the first byte; the rest of a short write is plain data.
            final long sent = n;
            long done = sent;
            while (done < total) {
                final long m = Syscall.LIBC.write(fd, buffer.address() + done, total - done);
                if (m < 0 && Syscall.errno() != Errno.EINTR) {
                    throw new IOException(NativeException.of("write", name, Syscall.errno()).getMessage());
                }
                done += Math.max(0, m);
            }
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Syscall.LIBC.close(fd);
        }
    }
}
