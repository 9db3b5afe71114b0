package io.uniswitch.bridge.port;

import io.uniswitch.bridge.engine.DropReason;

/**
 * Traffic and drop counters of one port.
 *
 * <p>Single writer: only the loop thread that owns the port writes these plain fields, so increments need no
 * atomics; other threads (metrics) read them and may see slightly old values. A drop is also added to the
 * switch-wide drop array the engine links while the port is attached, so switch totals include drops counted
 * inside ports (queue full, tx errors, oversized reads).
 */
public final class PortCounters {
    public long rxFrames;
    public long rxBytes;
    public long txFrames;
    public long txBytes;
    /** Unexpected failures of the port's device or code (the frames they affected are counted as drops). */
    public long errors;
    /** Dropped frames, indexed by {@link DropReason#id()}. */
    public final long[] drops = new long[DropReason.COUNT];

    private long[] switchDrops;

    public PortCounters() {
    }

    /** Counts one dropped frame. */
    public void drop(DropReason reason) {
        drops[reason.id()]++;
        final long[] shared = switchDrops;
        if (shared != null) {
            shared[reason.id()]++;
        }
    }

    public long dropCount(DropReason reason) {
        return drops[reason.id()];
    }

    public long totalDrops() {
        long total = 0;
        for (long d : drops) {
            total += d;
        }
        return total;
    }

    /**
     * Also adds every later drop to switchDrops (indexed by {@link DropReason#id()}), or stops doing so when null.
     * Called by the engine on attach and detach, on the loop thread.
     */
    public void aggregateDropsInto(long[] switchDrops) {
        if (switchDrops != null && switchDrops.length != DropReason.COUNT) {
            throw new IllegalArgumentException(
                    "switch drop array length " + switchDrops.length + ": expected " + DropReason.COUNT);
        }
        this.switchDrops = switchDrops;
    }
}
