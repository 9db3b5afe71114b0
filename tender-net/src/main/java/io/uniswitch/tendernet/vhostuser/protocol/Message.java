package io.uniswitch.tendernet.vhostuser.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One vhost-user message as received: request, flags, payload (native byte order) and the descriptors that came with
 * it. The receiver owns the descriptors: whoever takes one (a memory region, a kick eventfd) keeps it, and
 * {@link #closeUnclaimedFds} closes the rest. Control path only.
 */
public final class Message {
    private final int request;
    private final int flags;
    private final ByteBuffer payload;
    private final int[] fds;
    private final boolean[] claimed;

    public Message(int request, int flags, byte[] payload, int[] fds) {
        this.request = request;
        this.flags = flags;
        this.payload = ByteBuffer.wrap(payload).order(ByteOrder.nativeOrder());
        this.fds = fds.clone();
        this.claimed = new boolean[fds.length];
    }

    public int request() {
        return request;
    }

    public int flags() {
        return flags;
    }

    public boolean needsReply() {
        return (flags & VhostUser.FLAG_NEED_REPLY) != 0;
    }

    public int payloadBytes() {
        return payload.capacity();
    }

    public long u64(int offset) {
        return payload.getLong(offset);
    }

    public int u32(int offset) {
        return payload.getInt(offset);
    }

    public int fdCount() {
        return fds.length;
    }

    /** Takes descriptor {@code i}: the caller now closes it. */
    public int claimFd(int i) {
        claimed[i] = true;
        return fds[i];
    }

    /** Closes the descriptors nobody claimed, so a front-end cannot leak fds into the switch. */
    public void closeUnclaimedFds() {
        for (int i = 0; i < fds.length; i++) {
            if (!claimed[i]) {
                claimed[i] = true;
                io.uniswitch.tap.linux.Syscall.closeQuietly(fds[i]);
            }
        }
    }

    @Override
    public String toString() {
        return VhostUser.name(request) + " (" + payload.capacity() + " bytes, " + fds.length + " fds)";
    }
}
