package io.uniswitch.tap.device;

import io.netty.buffer.ByteBuf;
import io.netty.channel.unix.Errors;
import io.netty.channel.unix.FileDescriptor;
import io.uniswitch.tap.linux.Errno;
import io.uniswitch.tap.linux.NativeException;
import io.uniswitch.tap.linux.Syscall;
import java.io.IOException;

/**
 * One-frame read and write between an fd and a direct ByteBuf, shared by the devices. Stateless; allocates nothing
 * unless it throws.
 *
 * <p>Reads go through Netty's {@link FileDescriptor#readAddress}: EAGAIN comes back as 0 without an exception, and
 * other read errors are rare events. Writes go through jnr-ffi {@code write(2)} instead, because Netty turns every
 * errno other than EAGAIN into a new {@code NativeIoException} with a message and stack trace, and writes fail
 * per frame in normal operation: a tap that is down answers each write with EIO (seen on kernel 6.18), an
 * AF_PACKET socket answers ENOBUFS while the device queue is full. Both calls cost one syscall.
 */
final class FrameIo {
    private FrameIo() {
    }

    /** Reads one frame at dst's writerIndex; returns its length or 0 on EAGAIN. See {@link TunDevice#read}. */
    static int read(FileDescriptor fd, ByteBuf dst, String object) {
        final int writerIndex = dst.writerIndex();
        final int limit = dst.capacity();
        if (!dst.hasMemoryAddress() || writerIndex == limit) {
            throw badBuffer("read", dst);
        }
        final int n;
        try {
            n = fd.readAddress(dst.memoryAddress(), writerIndex, limit);
        } catch (Errors.NativeIoException e) {
            throw NativeException.of("read", object, Math.abs(e.expectedErr()));
        } catch (IOException e) {
            throw new NativeException("read", object, Errno.EIO, e.getMessage());
        }
        if (n <= 0) {
            return 0;
        }
        dst.writerIndex(writerIndex + n);
        return n;
    }

    /** Writes src's readable bytes as one frame; returns the bytes written, or the negated errno. */
    static long write(int fd, ByteBuf src) {
        if (!src.hasMemoryAddress()) {
            throw badBuffer("write", src);
        }
        final int readerIndex = src.readerIndex();
        final long n = Syscall.LIBC.write(fd, src.memoryAddress() + readerIndex, src.writerIndex() - readerIndex);
        return n >= 0 ? n : -Syscall.errno();
    }

    /**
     * What a failed write means on the data path: 0 for EAGAIN (the frame stays queued until EPOLLOUT), -1 for an
     * errno in {@code dropped} (the kernel lost this frame: the caller counts it and goes on with the next); any
     * other errno throws, naming the call and the object. Allocates nothing unless it throws.
     */
    static int failedWrite(int errno, int[] dropped, String call, String object) {
        if (errno == Errno.EAGAIN) {
            return 0;
        }
        for (int e : dropped) {
            if (e == errno) {
                return -1;
            }
        }
        throw NativeException.of(call, object, errno);
    }

    private static IllegalArgumentException badBuffer(String call, ByteBuf buf) {
        return new IllegalArgumentException(call + " needs a direct ByteBuf with a memory address and, for read, "
                + "writable bytes; got " + buf);
    }
}
