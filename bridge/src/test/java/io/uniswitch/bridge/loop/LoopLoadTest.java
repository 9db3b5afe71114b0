package io.uniswitch.bridge.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LoopLoadTest {
    @Test
    void ratioIsBusyTimeOverWallTimeSinceTheLastCall() throws Exception {
        LoopLoad load = new LoopLoad();
        load.busyRatioSinceLastCall();
        Thread.sleep(20);
        load.add(5_000_000);
        double r = load.busyRatioSinceLastCall();
        assertTrue(r > 0.05 && r <= 0.25, "5 ms busy in >= 20 ms: " + r);
        assertEquals(5_000_000, load.busyNs());
        load.add(Long.MAX_VALUE / 4);
        assertEquals(1.0, load.busyRatioSinceLastCall(), "capped at 1");
    }
}
