package io.uniswitch.bridge.frame;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FramesTest {
    private static final long DST = 0x0200_0000_0001L;
    private static final long SRC = 0x0200_0000_0002L;

    private final TestFrames frames = new TestFrames();

    @AfterEach
    void noLeaks() {
        frames.assertAllReleased();
    }

    @Test
    void readsHeaderFromReaderIndexWithoutMovingIndices() {
        ByteBuf f = frames.ethernet(DST, SRC, 46);
        int reader = f.readerIndex();
        int writer = f.writerIndex();
        assertEquals(TestFrames.HEADROOM_BYTES, reader);
        assertEquals(DST, Frames.dstMac(f));
        assertEquals(SRC, Frames.srcMac(f));
        assertEquals(TestFrames.ETHERTYPE_IPV4, Frames.etherType(f));
        assertEquals(0, Frames.vlanId(f));
        assertFalse(Frames.isVlanTagged(f));
        assertEquals(46, Frames.payloadBytes(f));
        assertEquals(reader, f.readerIndex());
        assertEquals(writer, f.writerIndex());
        f.release();
    }

    @Test
    void taggedFrameReportsVlanAndExcludesTagFromMtuBytes() {
        ByteBuf f = frames.tagged(DST, SRC, 100, 1500);
        assertTrue(Frames.isVlanTagged(f));
        assertEquals(Frames.ETHERTYPE_VLAN, Frames.etherType(f));
        assertEquals(100, Frames.vlanId(f));
        assertEquals(1500, Frames.payloadBytes(f));
        f.release();
    }

    @Test
    void truncatedTagIsNotATag() {
        ByteBuf f = frames.raw(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, (byte) 0x81, 0, 0, 1});
        assertFalse(Frames.isVlanTagged(f));
        assertEquals(0, Frames.vlanId(f));
        assertEquals(2, Frames.payloadBytes(f));
        f.release();
    }

    @Test
    void groupAddresses() {
        assertTrue(Frames.isMulticast(Frames.BROADCAST));
        assertTrue(Frames.isBroadcast(Frames.BROADCAST));
        assertTrue(Frames.isMulticast(0x0100_5E00_0001L));
        assertTrue(Frames.isMulticast(0x3333_0000_0001L));
        assertFalse(Frames.isMulticast(0x0200_0000_0001L));
        assertFalse(Frames.isMulticast(0xFEFF_FFFF_FFFFL));
    }

    @Test
    void linkLocalIsExactly01_80_C2_00_00_00To0F() {
        for (long low = 0; low <= 0xF; low++) {
            assertTrue(Frames.isLinkLocal(0x0180_C200_0000L | low), Macs.format(0x0180_C200_0000L | low));
        }
        assertFalse(Frames.isLinkLocal(0x0180_C200_0010L));
        assertFalse(Frames.isLinkLocal(0x0180_C200_0020L));
        assertFalse(Frames.isLinkLocal(0x0180_C300_0000L));
        assertFalse(Frames.isLinkLocal(0x0180_C1FF_FFFFL));
    }

    @Test
    void validSources() {
        assertTrue(Frames.isValidSource(SRC));
        assertFalse(Frames.isValidSource(0));
        assertFalse(Frames.isValidSource(Frames.BROADCAST));
        assertFalse(Frames.isValidSource(0x0100_5E00_0001L));
    }
}
