package io.uniswitch.tap.device;

import io.netty.buffer.ByteBuf;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.Buffer;
import io.uniswitch.tap.linux.SysSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Up to {@link #MAX_FRAMES} frames laid out for one {@code sendmmsg} call ({@link PacketSocket#send}): a native
 * array of {@code struct mmsghdr}, each pointing at its own one-entry {@code struct iovec}, which points at the
 * readable bytes of a frame's direct buffer. Only addresses are recorded: the buffers are neither retained nor
 * released, and their indices are not changed (a flooded buffer may be queued on several ports at once). The caller
 * keeps every added buffer alive until it was sent or dropped.
 *
 * <p>Thread: one loop thread; not thread-safe. Allocation: the native arrays once, at construction.
 */
public final class SendBatch {
    /** Frames per call: the switch's batch size. */
    public static final int MAX_FRAMES = 64;
    private static final int IOVECS_AT = MAX_FRAMES * SysSocket.MMSGHDR_SIZE;

    /** mmsghdr[MAX_FRAMES], then iovec[MAX_FRAMES]; native byte order. */
    private final ByteBuffer memory;
    private final long address;
    private int size;

    public SendBatch() {
        Epoll.ensureAvailability();
        this.memory = ByteBuffer.allocateDirect(IOVECS_AT + MAX_FRAMES * SysSocket.IOVEC_SIZE)
                .order(ByteOrder.nativeOrder());
        this.address = Buffer.memoryAddress(memory);
        for (int i = 0; i < MAX_FRAMES; i++) {
            final int msg = i * SysSocket.MMSGHDR_SIZE;
            memory.putLong(msg + SysSocket.MSG_IOV, address + IOVECS_AT + (long) i * SysSocket.IOVEC_SIZE);
            memory.putLong(msg + SysSocket.MSG_IOVLEN, 1);
        }
    }

    /**
     * Appends the readable bytes of frame as the next message.
     *
     * @throws IllegalStateException when the batch holds {@link #MAX_FRAMES} already
     * @throws IllegalArgumentException when frame has no memory address (not a direct buffer)
     */
    public void add(ByteBuf frame) {
        add(frame, 0);
    }

    /**
     * Appends the readable bytes of frame, preceded by the {@code prefixBytes} before its reader index (a vnet
     * header), as the next message. The frame's indices are not changed: a flooded frame is shared.
     */
    public void add(ByteBuf frame, int prefixBytes) {
        if (size == MAX_FRAMES) {
            throw new IllegalStateException("send batch full (" + MAX_FRAMES + " frames)");
        }
        if (!frame.hasMemoryAddress()) {
            throw new IllegalArgumentException("sendmmsg needs a direct ByteBuf with a memory address; got " + frame);
        }
        final int iov = IOVECS_AT + size * SysSocket.IOVEC_SIZE;
        final int readerIndex = frame.readerIndex() - prefixBytes;
        memory.putLong(iov + SysSocket.IOV_BASE, frame.memoryAddress() + readerIndex);
        memory.putLong(iov + SysSocket.IOV_LEN, frame.writerIndex() - readerIndex);
        size++;
    }

    public int size() {
        return size;
    }

    public boolean isFull() {
        return size == MAX_FRAMES;
    }

    /** Forgets every frame. */
    public void clear() {
        size = 0;
    }

    /** Bytes the kernel reported as sent for message i, valid after a {@link PacketSocket#send} that covered it. */
    public int sentBytes(int i) {
        return memory.getInt(i * SysSocket.MMSGHDR_SIZE + SysSocket.MMSG_LEN);
    }

    /** Address of message i, for sendmmsg. */
    long messagesAddress(int i) {
        return address + (long) i * SysSocket.MMSGHDR_SIZE;
    }
}
