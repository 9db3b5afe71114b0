package io.uniswitch.bridge.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.channel.SelectStrategy;
import org.junit.jupiter.api.Test;

class SpinThenSleepTest {

    @Test
    void zeroWindowAlwaysSleepsUnlessTasksWait() throws Exception {
        SpinThenSleep s = new SpinThenSleep(0);
        assertEquals(SelectStrategy.SELECT, s.calculateStrategy(() -> 3, false));
        assertEquals(3, s.calculateStrategy(() -> 3, true));
    }

    @Test
    void pollsWithoutBlockingWhileRecentlyActive() throws Exception {
        SpinThenSleep s = new SpinThenSleep(60_000_000_000L);
        assertEquals(2, s.calculateStrategy(() -> 2, false), "ready fds are handled at once");
        assertEquals(0, s.calculateStrategy(() -> 0, false), "nothing ready, but within the window: poll again");
    }

    @Test
    void sleepsOnceTheWindowHasPassed() throws Exception {
        long[] now = {1_000};
        SpinThenSleep s = new SpinThenSleep(50_000, () -> now[0]);
        assertEquals(1, s.calculateStrategy(() -> 1, false));
        now[0] += 49_999;
        assertEquals(0, s.calculateStrategy(() -> 0, false));
        now[0] += 1;
        assertEquals(SelectStrategy.SELECT, s.calculateStrategy(() -> 0, false));
        now[0] += 1_000_000;
        assertEquals(0, s.calculateStrategy(() -> 0, false), "woken from epoll_wait: a new window starts");
        now[0] += 50_000;
        assertEquals(SelectStrategy.SELECT, s.calculateStrategy(() -> 0, false));
        assertEquals(0, s.calculateStrategy(() -> 0, true), "tasks waiting: never block");
    }
}
