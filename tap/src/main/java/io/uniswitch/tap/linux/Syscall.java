package io.uniswitch.tap.linux;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * The loaded libc binding and small helpers around it. Loading happens once, on first use of this class. Stateless
 * apart from that; safe from any thread (errno is per thread).
 */
public final class Syscall {
    /** libc, bound through jnr-ffi. */
    public static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
    /** The jnr runtime that owns {@link #LIBC}; use it to allocate memory passed to LIBC. */
    public static final Runtime RUNTIME = Runtime.getRuntime(LIBC);

    private Syscall() {
    }

    /** errno of the last failed {@link #LIBC} call on this thread. */
    public static int errno() {
        return RUNTIME.getLastError();
    }

    /** Zeroed native memory, freed when the returned pointer is garbage collected. Control path only. */
    public static Pointer allocate(int bytes) {
        return Memory.allocateDirect(RUNTIME, bytes, true);
    }

    /** Closes {@code fd} and ignores the result; for releasing on a failure path that already throws. */
    public static void closeQuietly(int fd) {
        if (fd >= 0) {
            LIBC.close(fd);
        }
    }

    /** ioctl with a pointer argument; throws {@link NativeException} with the default hint on failure. */
    public static void ioctl(int fd, long request, Pointer arg, String call, String object) {
        if (LIBC.ioctl(fd, request, arg) < 0) {
            throw NativeException.of(call, object, errno());
        }
    }

    /** ioctl with a by-value argument; throws {@link NativeException} with the default hint on failure. */
    public static void ioctl(int fd, long request, long value, String call, String object) {
        if (LIBC.ioctl(fd, request, value) < 0) {
            throw NativeException.of(call, object, errno());
        }
    }
}
