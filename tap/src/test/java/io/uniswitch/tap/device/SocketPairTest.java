package io.uniswitch.tap.device;

import static io.uniswitch.tap.TestNet.MAC_A;
import static io.uniswitch.tap.TestNet.MAC_B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.uniswitch.tap.TestNet;
import io.uniswitch.tap.linux.Errno;
import io.uniswitch.tap.linux.Syscall;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SocketPairTest {
    private static final int BUFFER = 4 << 20;
    private final List<ByteBuf> buffers = new ArrayList<>();
    private SocketPair pair;

    @BeforeAll
    static void prerequisites() {
        TestNet.requireRootAndTun();
    }

    @AfterEach
    void cleanUp() {
        if (pair != null) {
            pair.close();
        }
        buffers.forEach(ByteBuf::release);
    }

    private ByteBuf track(ByteBuf buf) {
        buffers.add(buf);
        return buf;
    }

    @Test
    void framesKeepTheirBoundariesInBothDirections() {
        pair = SocketPair.open("fp-test", BUFFER, BUFFER);
        final long tag = TestNet.newTag();
        final ByteBuf small = track(TestNet.frame(MAC_B, MAC_A, tag, 60));
        final ByteBuf large = track(TestNet.frame(MAC_B, MAC_A, tag, 1514));
        assertEquals(60, pair.write(small));
        assertEquals(1514, pair.write(large));
        assertEquals(0, small.readerIndex(), "write leaves the source's indices alone");

        // The remote end sees exactly the two messages, each whole.
        final ByteBuf in = track(Unpooled.directBuffer(2048, 2048));
        assertEquals(60, (int) Syscall.LIBC.read(pair.remoteFd(), in.memoryAddress(), 2048));
        assertEquals(1514, (int) Syscall.LIBC.read(pair.remoteFd(), in.memoryAddress(), 2048));
        in.writerIndex(1514);
        assertTrue(TestNet.isFrame(in, 0, tag));

        // And a frame written there arrives here as one read.
        final ByteBuf back = track(TestNet.frame(MAC_A, MAC_B, tag, 100));
        assertEquals(100, (int) Syscall.LIBC.write(pair.remoteFd(), back.memoryAddress(), 100));
        final ByteBuf dst = track(Unpooled.directBuffer(1515, 1515));
        assertEquals(100, pair.read(dst));
        assertEquals(100, dst.readableBytes());
        assertTrue(TestNet.isFrame(dst, 0, tag));
        dst.clear();
        assertEquals(0, pair.read(dst), "nothing more: 0, not an exception");
    }

    @Test
    void sendBuffersAreForcedPastTheDefault() {
        pair = SocketPair.open("fp-test", BUFFER, 2 * BUFFER);
        // The kernel doubles the requested size for its bookkeeping; wmem_max (212992 by default) does not cap it.
        assertEquals(2 * BUFFER, SocketPair.sendBufferBytes(pair.localFd()));
        assertEquals(4 * BUFFER, SocketPair.sendBufferBytes(pair.remoteFd()));
    }

    @Test
    void theRemoteEndTakesABurstWithoutEagainWhileNobodyReads() {
        pair = SocketPair.open("fp-test", BUFFER, BUFFER);
        final ByteBuf f = track(TestNet.frame(MAC_B, MAC_A, TestNet.newTag(), 1514));
        // 1,000 full-size frames: ten times what a socketpair with default buffers holds before EAGAIN.
        for (int i = 0; i < 1000; i++) {
            final long n = Syscall.LIBC.write(pair.remoteFd(), f.memoryAddress(), 1514);
            assertEquals(1514, n, () -> "write failed: " + Errno.name(Syscall.errno()));
        }
        final ByteBuf dst = track(Unpooled.directBuffer(1515, 1515));
        int frames = 0;
        while (pair.read(dst.clear()) > 0) {
            frames++;
        }
        assertEquals(1000, frames);
    }

    @Test
    void drainDiscardsWhatTheRemoteNeverRead() {
        pair = SocketPair.open("fp-test", BUFFER, BUFFER);
        final ByteBuf f = track(TestNet.frame(MAC_B, MAC_A, TestNet.newTag(), 200));
        for (int i = 0; i < 5; i++) {
            assertEquals(200, pair.write(f));
        }
        assertEquals(5, pair.drainRemote());
        assertEquals(0, pair.drainRemote());
    }

    @Test
    void aTooSmallBufferIsRefused() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SocketPair.open("fp-test", BUFFER, 1024));
        assertTrue(e.getMessage().contains("1024"), e.getMessage());
    }
}
