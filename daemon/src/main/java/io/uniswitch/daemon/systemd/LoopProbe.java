package io.uniswitch.daemon.systemd;

import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * A {@link Watchdog} health check: healthy while the event loop runs the probe task posted at the previous check.
 * Each check posts one tiny task to the loop and never waits for it, so checking never blocks, and a stuck loop holds
 * at most one probe in its queue. Checked every half watchdog interval, a loop that ran no task for that long fails
 * the check.
 *
 * <p>Thread: {@link #getAsBoolean()} from one thread (the watchdog's); the probe task runs on the loop thread.
 */
public final class LoopProbe implements BooleanSupplier {
    private final Executor loop;
    /** Sequence number of the last probe posted; watchdog thread only. */
    private long posted;
    /** Sequence number of the last probe the loop ran. */
    private final AtomicLong answered = new AtomicLong();

    /** @param loop runs a task on the data-plane loop without waiting, e.g. {@code dataplane::execute} */
    public LoopProbe(Executor loop) {
        this.loop = loop;
    }

    /**
     * True if the loop ran the probe posted at the previous call (the first call has none to wait for), in which case
     * a new probe is posted. False if that probe is still queued, or the loop refuses tasks (it was shut down).
     */
    @Override
    public boolean getAsBoolean() {
        if (answered.get() != posted) {
            return false;
        }
        final long next = posted + 1;
        posted = next;
        try {
            loop.execute(() -> answered.set(next));
        } catch (RuntimeException rejected) {
            return false;
        }
        return true;
    }
}
