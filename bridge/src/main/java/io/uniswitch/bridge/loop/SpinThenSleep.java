package io.uniswitch.bridge.loop;

import io.netty.channel.SelectStrategy;
import io.netty.util.IntSupplier;
import java.util.function.LongSupplier;

/**
 * The loop's idle strategy: after any I/O it keeps polling epoll without blocking for a short window before it goes to
 * sleep in epoll_wait. A reply that comes back within the window (a ping answered by the peer's stack, the next TCP
 * segment) then costs no thread wakeup, which on a VM is tens of microseconds per crossing; once traffic stops, the
 * loop sleeps and uses no CPU. A window of 0 always blocks.
 *
 * <p>Loop thread only (Netty makes one strategy per loop).
 */
final class SpinThenSleep implements SelectStrategy {
    private final long windowNs;
    private final LongSupplier nanoClock;
    private long lastActiveNs;
    private boolean wasBlocking;

    SpinThenSleep(long windowNs) {
        this(windowNs, System::nanoTime);
    }

    SpinThenSleep(long windowNs, LongSupplier nanoClock) {
        this.windowNs = windowNs;
        this.nanoClock = nanoClock;
    }

    @Override
    public int calculateStrategy(IntSupplier selectNow, boolean hasTasks) throws Exception {
        if (windowNs <= 0) {
            return hasTasks ? selectNow.get() : SelectStrategy.SELECT;
        }
        long now = nanoClock.getAsLong();
        if (wasBlocking) {
            // Back from epoll_wait: something woke the loop, which counts as activity.
            wasBlocking = false;
            lastActiveNs = now;
        }
        int ready = selectNow.get();
        if (ready > 0) {
            lastActiveNs = now;
            return ready;
        }
        if (hasTasks || now - lastActiveNs < windowNs) {
            return 0;
        }
        wasBlocking = true;
        return SelectStrategy.SELECT;
    }
}
