package io.uniswitch.tap.device;

import static io.uniswitch.tap.TestNet.MAC_A;
import static io.uniswitch.tap.TestNet.MAC_B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;
import io.uniswitch.tap.TestNet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The devices' fds work as custom handles on a Netty 4.2 epoll loop, the way the bridge registers them. */
class EpollLoopTest {
    @BeforeAll
    static void prerequisites() {
        TestNet.requireRootAndTun();
    }

    /** Reads to EAGAIN on each EPOLLIN and counts frames with the expected tag; runs on the loop thread. */
    private static final class CountingHandle implements EpollIoHandle {
        final FileDescriptor fd;
        final IntSupplier read;
        final ByteBuf dst;
        final long tag;
        final CountDownLatch seen;

        CountingHandle(FileDescriptor fd, ByteBuf dst, IntSupplier read, long tag, int expected) {
            this.fd = fd;
            this.dst = dst;
            this.read = read;
            this.tag = tag;
            this.seen = new CountDownLatch(expected);
        }

        @Override
        public FileDescriptor fd() {
            return fd;
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            if (!((EpollIoEvent) event).ops().contains(EpollIoOps.EPOLLIN)) {
                return;
            }
            dst.clear();
            while (read.getAsInt() > 0) {
                if (TestNet.isFrame(dst, 0, tag)) {
                    seen.countDown();
                }
                dst.clear();
            }
        }

        @Override
        public void close() {
        }
    }

    @Test
    void tapAndPacketSocketFdsDeliverReadinessOnTheLoop() throws Exception {
        final String tapName = TestNet.uniqueName("ustT");
        final MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        final ByteBuf tapDst = Unpooled.directBuffer(2048);
        final ByteBuf socketDst = Unpooled.directBuffer(2048);
        final ByteBuf toTap = TestNet.frame(MAC_A, MAC_B, TestNet.newTag(), 60);
        final ByteBuf toSocket = TestNet.frame(MAC_B, MAC_A, TestNet.newTag(), 60);
        try (TunDevice tap = TunDevice.open(tapName, TapOptions.DEFAULTS)) {
            TestNet.quiet(tapName);
            NetInterfaces.setUp(tapName, true);
            try (PacketSocket socket = PacketSocket.open(tapName, true)) {
                final IoEventLoop loop = group.next();
                assertTrue(loop.isCompatible(CountingHandle.class));
                final CountingHandle tapHandle = new CountingHandle(tap.fileDescriptor(), tapDst,
                        () -> tap.read(tapDst), toTap.getLong(TestNet.TAG_OFFSET), 3);
                final CountingHandle socketHandle = new CountingHandle(socket.fileDescriptor(), socketDst,
                        () -> socket.read(socketDst), toSocket.getLong(TestNet.TAG_OFFSET), 3);
                final IoRegistration tapReg = loop.register(tapHandle).sync().getNow();
                final IoRegistration socketReg = loop.register(socketHandle).sync().getNow();
                loop.submit(() -> {
                    tapReg.submit(EpollIoOps.EPOLLIN);
                    socketReg.submit(EpollIoOps.EPOLLIN);
                }).sync();

                for (int i = 0; i < 3; i++) {
                    assertEquals(60, socket.write(toTap));
                    assertEquals(60, tap.write(toSocket));
                }
                assertTrue(tapHandle.seen.await(2, TimeUnit.SECONDS), "tap fd readiness");
                assertTrue(socketHandle.seen.await(2, TimeUnit.SECONDS), "packet socket readiness");
                loop.submit(() -> {
                    tapReg.cancel();
                    socketReg.cancel();
                }).sync();
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            tapDst.release();
            socketDst.release();
            toTap.release();
            toSocket.release();
            TestNet.deleteQuietly(tapName);
        }
    }
}
