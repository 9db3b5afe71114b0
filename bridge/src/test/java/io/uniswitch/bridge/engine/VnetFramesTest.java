package io.uniswitch.bridge.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.uniswitch.bridge.frame.VnetHeader;
import io.uniswitch.bridge.port.MemoryPort;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Offload mode vnet in the engine: a GSO super-frame is checked against the egress MTU by the segments it becomes
 * (L3 + L4 headers + gso_size), a plain frame by its payload, and the header travels in front of the frame untouched.
 */
class VnetFramesTest {
    private static final long A = 0x0200_0000_000AL;
    private static final long B = 0x0200_0000_000BL;
    private final EngineFixture fx = new EngineFixture(EngineConfig.defaults().withVnetHeaders(true));

    @AfterEach
    void checkLeaks() {
        fx.close();
    }

    /**
     * An IPv4/TCP frame of {@code ipBytes} (20-byte IP header, 32-byte TCP header) preceded by a vnet header with
     * the given GSO type and segment size; reader index at the frame.
     */
    private ByteBuf frame(int ipBytes, int gsoType, int gsoSize) {
        ByteBuffer b = ByteBuffer.allocate(VnetHeader.BYTES + 14 + ipBytes);
        b.order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) (gsoType == 0 ? 0 : VnetHeader.FLAG_NEEDS_CSUM)).put((byte) gsoType).putShort((short) 66)
                .putShort((short) gsoSize).putShort((short) 34).putShort((short) 16);
        b.order(ByteOrder.BIG_ENDIAN);
        b.putShort((short) (B >>> 32)).putInt((int) B).putShort((short) (A >>> 32)).putInt((int) A)
                .putShort((short) 0x0800);
        b.put((byte) 0x45);
        b.position(VnetHeader.BYTES + 14 + 20 + 12);
        b.put((byte) (8 << 4));
        ByteBuf f = fx.frames.raw(b.array());
        f.readerIndex(f.readerIndex() + VnetHeader.BYTES);
        return f;
    }

    @Test
    void superFramesAreMeasuredBySegmentAndPlainFramesByPayload() {
        ByteBuf gso = frame(60000, 1, 1448);
        assertEquals(20 + 32 + 1448, VnetHeader.wireL3Bytes(gso), "one TCP segment: IP + TCP headers + gso_size");
        ByteBuf plain = frame(1500, 0, 0);
        assertEquals(1500, VnetHeader.wireL3Bytes(plain));
        ByteBuf udp = frame(30000, VnetHeader.GSO_UDP_L4, 1400);
        assertEquals(20 + 8 + 1400, VnetHeader.wireL3Bytes(udp));
        gso.release();
        plain.release();
        udp.release();
    }

    @Test
    void aSuperFrameCrossesAnMtu1500PortWhenItsSegmentsFitAndIsDroppedWhenTheyDoNot() {
        MemoryPort in = fx.attach(new MemoryPort("p0", 1500, 64));
        MemoryPort out = fx.attach(new MemoryPort("p1", 1500, 64));
        fx.send(out, frame(100, 0, 0));
        fx.takeCounts();
        fx.send(in, frame(60000, 1, 1448));
        assertEquals(1, out.releaseSent(), "64 KiB of TCP in 1448-byte segments fits MTU 1500");
        fx.send(in, frame(60000, 1, 8948));
        assertEquals(0, out.releaseSent());
        assertEquals(1, out.counters().dropCount(DropReason.EGRESS_MTU), "9000-byte segments do not fit");
        fx.send(in, frame(1501, 0, 0));
        assertEquals(0, out.releaseSent(), "a plain frame over the MTU is still refused");
        assertEquals(2, out.counters().dropCount(DropReason.EGRESS_MTU));
    }
}
