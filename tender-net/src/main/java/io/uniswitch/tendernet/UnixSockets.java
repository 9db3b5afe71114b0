package io.uniswitch.tendernet;

import io.uniswitch.tap.linux.Errno;
import io.uniswitch.tap.linux.Fcntl;
import io.uniswitch.tap.linux.NativeException;
import io.uniswitch.tap.linux.SysSocket;
import io.uniswitch.tap.linux.Syscall;
import io.netty.channel.unix.FileDescriptor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import jnr.ffi.Pointer;

/**
 * Makes the unix sockets of the qemu and vhost-user ports through jnr-ffi rather than Netty's {@code Socket.bind},
 * which unlinks whatever is at the path first (a file, another program's socket) without a word; and closes and
 * removes them quietly on the way out. Control thread; stateless.
 */
public final class UnixSockets {
    private static final System.Logger LOG = System.getLogger(UnixSockets.class.getName());

    private UnixSockets() {
    }

    /** {@link #bind(String, Path, int, int, boolean)} for a non-blocking socket. */
    public static int bind(String port, Path path, int type, int backlog) {
        return bind(port, path, type, backlog, true);
    }

    /**
     * A close-on-exec AF_UNIX socket of {@code type} bound at {@code path}, listening when {@code backlog > 0};
     * returns its fd. Nothing is left behind on failure.
     *
     * @param nonBlocking false for a socket a control thread waits on in accept()
     * @throws NativeException naming the port and the path; EADDRINUSE when the path exists
     */
    public static int bind(String port, Path path, int type, int backlog, boolean nonBlocking) {
        final String object = port + " " + path;
        final Pointer address = address(path, "bind", object);
        final int fd = Syscall.LIBC.socket(SysSocket.AF_UNIX, type | (nonBlocking ? SysSocket.SOCK_NONBLOCK : 0)
                | SysSocket.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw NativeException.of("socket", object, Syscall.errno());
        }
        if (Syscall.LIBC.bind(fd, address, addressLength(path)) < 0) {
            final int errno = Syscall.errno();
            Syscall.LIBC.close(fd);
            throw new NativeException("bind", object, errno, errno == Errno.EADDRINUSE
                    ? "the path exists; remove it or choose another path" : NativeException.defaultHint(errno));
        }
        if (backlog > 0 && Syscall.LIBC.listen(fd, backlog) < 0) {
            final int errno = Syscall.errno();
            Syscall.LIBC.close(fd);
            deleteQuietly(path);
            throw NativeException.of("listen", object, errno);
        }
        return fd;
    }

    /**
     * A close-on-exec, blocking AF_UNIX socket of {@code type} connected to {@code path}; returns its fd. The connect
     * itself does not block: a listener with a full backlog is EAGAIN, like one that is not there (ECONNREFUSED,
     * ENOENT), for the caller to retry.
     *
     * @throws NativeException naming the port, the path and the errno
     */
    public static int connect(String port, Path path, int type) {
        final String object = port + " " + path;
        final Pointer address = address(path, "connect", object);
        final int fd = Syscall.LIBC.socket(SysSocket.AF_UNIX, type | SysSocket.SOCK_NONBLOCK | SysSocket.SOCK_CLOEXEC,
                0);
        if (fd < 0) {
            throw NativeException.of("socket", object, Syscall.errno());
        }
        if (Syscall.LIBC.connect(fd, address, addressLength(path)) < 0) {
            final int errno = Syscall.errno();
            Syscall.LIBC.close(fd);
            throw NativeException.of("connect", object, errno);
        }
        final int flags = Syscall.LIBC.fcntl(fd, Fcntl.F_GETFL, 0);
        if (flags < 0 || Syscall.LIBC.fcntl(fd, Fcntl.F_SETFL, flags & ~Fcntl.O_NONBLOCK) < 0) {
            final int errno = Syscall.errno();
            Syscall.LIBC.close(fd);
            throw NativeException.of("fcntl", object, errno);
        }
        return fd;
    }

    private static Pointer address(Path path, String call, String object) {
        final byte[] bytes = path.toString().getBytes(StandardCharsets.UTF_8);
        if (bytes.length >= SysSocket.SOCKADDR_UN_SIZE - 2) {
            throw new NativeException(call, object, Errno.ENAMETOOLONG, "the path is longer than 107 bytes");
        }
        final Pointer address = Syscall.allocate(SysSocket.SOCKADDR_UN_SIZE);
        address.putShort(0, (short) SysSocket.AF_UNIX);
        address.put(2, bytes, 0, bytes.length);
        address.putByte(2 + bytes.length, (byte) 0);
        return address;
    }

    private static int addressLength(Path path) {
        return 2 + path.toString().getBytes(StandardCharsets.UTF_8).length + 1;
    }

    /** Closes fd, logging (not throwing) a failure; null is fine. */
    public static void closeQuietly(FileDescriptor fd) {
        if (fd == null) {
            return;
        }
        try {
            fd.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "close: " + e.getMessage());
        }
    }

    /** Removes a socket file, logging (not throwing) a failure. */
    public static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot remove " + path + ": " + e.getMessage());
        }
    }
}
