package io.uniswitch.metrics;

import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.uniswitch.bridge.frame.Frames;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds Ethernet frames as unpooled direct buffers and remembers each, so a test can check that every frame it made
 * was released exactly once (after the bridge tests' {@code TestFrames}, which this module cannot see).
 */
final class TestFrames {
    static final int ETHERTYPE_IPV4 = 0x0800;

    private final ByteBufAllocator allocator = new UnpooledByteBufAllocator(true, false);
    private final List<ByteBuf> made = new ArrayList<>();

    /** An untagged frame of {@code Frames.HEADER_BYTES + payloadBytes} bytes. */
    ByteBuf ethernet(long dst, long src, int payloadBytes) {
        ByteBuf f = allocator.directBuffer(Frames.HEADER_BYTES + payloadBytes);
        f.writeShort((int) (dst >>> 32));
        f.writeInt((int) dst);
        f.writeShort((int) (src >>> 32));
        f.writeInt((int) src);
        f.writeShort(ETHERTYPE_IPV4);
        f.writeZero(payloadBytes);
        made.add(f);
        return f;
    }

    /** A frame of zero bytes, shorter than an Ethernet header. */
    ByteBuf runt(int bytes) {
        ByteBuf f = allocator.directBuffer(bytes);
        f.writeZero(bytes);
        made.add(f);
        return f;
    }

    /** Fails naming each frame still referenced, after releasing it. */
    void assertAllReleased() {
        StringBuilder leaks = new StringBuilder();
        for (int i = 0; i < made.size(); i++) {
            int refCnt = made.get(i).refCnt();
            if (refCnt != 0) {
                leaks.append("frame #").append(i).append(" refCnt ").append(refCnt).append('\n');
                made.get(i).release(refCnt);
            }
        }
        made.clear();
        if (leaks.length() > 0) {
            fail("frames not released exactly once:\n" + leaks);
        }
    }
}
