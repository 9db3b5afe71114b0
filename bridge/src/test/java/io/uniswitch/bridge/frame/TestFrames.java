package io.uniswitch.bridge.frame;

import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds test frames as direct buffers and remembers each, so a test can assert that every frame it made was
 * released exactly as often as retained ({@code refCnt() == 0}).
 *
 * <p>Unpooled direct buffers, so that a released buffer object is never handed out again and its refCnt stays
 * exact; the surefire argLine turns on paranoid leak detection as well. Each frame starts {@link #HEADROOM_BYTES}
 * into its buffer so code that reads at fixed offsets instead of from readerIndex fails.
 */
public final class TestFrames {
    public static final int HEADROOM_BYTES = 2;
    public static final int ETHERTYPE_IPV4 = 0x0800;

    private final ByteBufAllocator allocator;
    private final List<ByteBuf> made = new ArrayList<>();

    public TestFrames() {
        this(true);
    }

    /**
     * @param nettyLeakDetection false for bulk tests: paranoid detection records a stack trace on every access,
     *     which makes 100k frames take minutes; this class's own refCnt check still runs
     */
    public TestFrames(boolean nettyLeakDetection) {
        this.allocator = new UnpooledByteBufAllocator(true, !nettyLeakDetection);
    }

    /** An untagged frame whose payload bytes are {@code (byte) i}. */
    public ByteBuf ethernet(long dst, long src, int payloadBytes) {
        ByteBuf f = start(Frames.HEADER_BYTES + payloadBytes);
        writeMac(f, dst);
        writeMac(f, src);
        f.writeShort(ETHERTYPE_IPV4);
        writePayload(f, payloadBytes);
        return f;
    }

    /** An 802.1Q-tagged frame; payloadBytes follow the 4-byte tag and the inner EtherType. */
    public ByteBuf tagged(long dst, long src, int vlan, int payloadBytes) {
        ByteBuf f = start(Frames.HEADER_BYTES + Frames.VLAN_TAG_BYTES + payloadBytes);
        writeMac(f, dst);
        writeMac(f, src);
        f.writeShort(Frames.ETHERTYPE_VLAN);
        f.writeShort(vlan & 0x0FFF);
        f.writeShort(ETHERTYPE_IPV4);
        writePayload(f, payloadBytes);
        return f;
    }

    /** A frame holding exactly these bytes. */
    public ByteBuf raw(byte[] bytes) {
        ByteBuf f = start(bytes.length);
        f.writeBytes(bytes);
        return f;
    }

    public int madeCount() {
        return made.size();
    }

    /** Fails naming each frame still referenced, after releasing it so one failure does not cascade. */
    public void assertAllReleased() {
        StringBuilder leaks = new StringBuilder();
        for (int i = 0; i < made.size(); i++) {
            ByteBuf f = made.get(i);
            int refCnt = f.refCnt();
            if (refCnt != 0) {
                leaks.append("frame #").append(i).append(" refCnt ").append(refCnt).append('\n');
                f.release(refCnt);
            }
        }
        made.clear();
        if (leaks.length() > 0) {
            fail("frames not released exactly once:\n" + leaks);
        }
    }

    private ByteBuf start(int frameBytes) {
        ByteBuf f = allocator.directBuffer(HEADROOM_BYTES + frameBytes);
        f.writeZero(HEADROOM_BYTES);
        f.readerIndex(HEADROOM_BYTES);
        made.add(f);
        return f;
    }

    private static void writeMac(ByteBuf f, long mac) {
        f.writeShort((int) (mac >>> 32));
        f.writeInt((int) mac);
    }

    private static void writePayload(ByteBuf f, int payloadBytes) {
        for (int i = 0; i < payloadBytes; i++) {
            f.writeByte(i);
        }
    }
}
