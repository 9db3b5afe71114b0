package io.uniswitch.bridge.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.uniswitch.bridge.frame.TestFrames;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** DropReason, FrameBatch and EngineConfig. */
class SmallTypesTest {
    private final TestFrames frames = new TestFrames();

    @AfterEach
    void noLeaks() {
        frames.assertAllReleased();
    }

    @Test
    void dropReasonIdsAndLabelsAreStable() {
        String[] labels = {"runt", "invalid_src_mac", "link_local", "same_port", "egress_mtu", "tx_queue_full",
            "frame_too_large", "port_down", "tx_error", "spoofed_src_mac"};
        assertEquals(labels.length, DropReason.COUNT);
        assertEquals(DropReason.COUNT, DropReason.values().length);
        Set<String> seen = new HashSet<>();
        for (DropReason r : DropReason.values()) {
            assertEquals(labels[r.id()], r.label());
            assertSame(r, DropReason.byId(r.id()));
            assertTrue(seen.add(r.label()));
        }
        assertEquals(0, DropReason.RUNT.id());
        assertEquals(9, DropReason.SPOOFED_SRC_MAC.id());
    }

    @Test
    void frameBatchHoldsUpToMaxAndClearsWithOrWithoutReleasing() {
        FrameBatch batch = new FrameBatch();
        assertEquals(FrameBatch.MAX, batch.remaining());
        ByteBuf[] held = new ByteBuf[FrameBatch.MAX];
        for (int i = 0; i < FrameBatch.MAX; i++) {
            held[i] = frames.ethernet(1, 2, i);
            batch.add(held[i]);
        }
        assertEquals(0, batch.remaining());
        ByteBuf extra = frames.ethernet(1, 2, 0);
        assertThrows(IllegalStateException.class, () -> batch.add(extra));
        extra.release();
        assertSame(held[5], batch.get(5));
        batch.clear();
        assertEquals(0, batch.size());
        assertThrows(IndexOutOfBoundsException.class, () -> batch.get(0));
        for (ByteBuf f : held) {
            assertEquals(1, f.refCnt());
            batch.add(f);
        }
        batch.releaseAll();
        assertEquals(0, batch.size());
    }

    @Test
    void engineConfigDefaultsAndValidation() {
        EngineConfig d = EngineConfig.defaults();
        assertEquals(300_000_000_000L, d.ageingNs());
        assertEquals(8192, d.fdbMaxEntries());
        assertEquals(4096, d.fdbMaxEntriesPerPort());
        assertEquals(256, d.maxPorts());
        assertEquals(0, d.withAgeingNs(0).ageingNs());
        assertThrows(IllegalArgumentException.class, () -> d.withAgeingNs(-1));
        assertThrows(IllegalArgumentException.class, () -> d.withFdbMaxEntries(0));
        assertThrows(IllegalArgumentException.class, () -> d.withFdbMaxEntriesPerPort(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.withMaxPorts(70_000));
        assertTrue(e.getMessage().contains("maxPorts 70000"), e.getMessage());
    }
}
