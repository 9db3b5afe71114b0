package io.uniswitch.bridge.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.uniswitch.bridge.capture.BpfProgram;
import io.uniswitch.bridge.capture.CaptureTap;
import io.uniswitch.bridge.port.MemoryPort;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Where the data plane copies frames for a capture: ingress batches, and frames queued for sending. */
class CaptureHookTest {
    private static final long A = 0x02_00_00_00_00_0aL;
    private static final long B = 0x02_00_00_00_00_0bL;
    private static final long C = 0x02_00_00_00_00_0cL;
    private static final long BROADCAST = 0xffff_ffff_ffffL;

    private static CaptureTap tap() {
        return new CaptureTap(BpfProgram.acceptAll(4096), 4096, 1 << 16);
    }

    @Test
    void capturesWhatThePortReceivesAndIsGivenToSend() {
        try (EngineFixture fx = new EngineFixture()) {
            MemoryPort a = fx.attach("a");
            MemoryPort b = fx.attach("b");
            MemoryPort c = fx.attach("c");
            CaptureTap tap = tap();
            b.setCaptureTap(tap);
            fx.send(a, BROADCAST, A);
            assertEquals(1, tap.capturedFrames(), "a flood reaches b");
            fx.send(b, A, B);
            fx.send(b, A, B);
            assertEquals(3, tap.capturedFrames(), "b's own frames at ingress");
            fx.send(c, A, C);
            assertEquals(3, tap.capturedFrames(), "unicast between other ports is not b's");
            fx.send(a, B, A);
            assertEquals(4, tap.capturedFrames(), "unicast to b");
            ByteBuffer out = ByteBuffer.allocate(1 << 16);
            assertEquals(4, tap.drainPcap(out, 0));

            b.setCaptureTap(null);
            assertTrue(tap.isDetached());
            fx.send(a, B, A);
            assertEquals(4, tap.capturedFrames(), "nothing after the tap left");
            assertTrue(tap.close());
            fx.takeCounts();
        }
    }

    @Test
    void framesDroppedAsTxQueueFullAreNotCaptured() {
        try (EngineFixture fx = new EngineFixture()) {
            MemoryPort a = fx.attach("a");
            MemoryPort q = fx.attach(new MemoryPort("q", MemoryPort.DEFAULT_MTU_BYTES, 1));
            q.setTxCapacity(0);
            CaptureTap tap = tap();
            q.setCaptureTap(tap);
            fx.send(a, BROADCAST, A);
            fx.send(a, BROADCAST, A);
            assertEquals(1, q.counters().dropCount(DropReason.TX_QUEUE_FULL));
            assertEquals(1, tap.capturedFrames());
            q.close();
            assertTrue(tap.isDetached(), "closing the port detaches its capture");
            assertTrue(tap.close());
            fx.takeCounts();
        }
    }
}
