package io.uniswitch.bridge.engine;

import io.uniswitch.bridge.fdb.FdbCounters;

/**
 * Switch-wide counters: frames forwarded by kind, drops by reason (everything the attached ports counted, including
 * drops counted inside a port such as TX_QUEUE_FULL), and the FDB's events.
 *
 * <p>Single writer: the loop thread that owns the engine writes the plain fields; other threads (metrics) read
 * them through the getters and may see slightly old values.
 */
public final class SwitchCounters {
    long floodedFrames;
    long unicastFrames;
    /** Indexed by {@link DropReason#id()}; ports add to it while attached. */
    final long[] drops = new long[DropReason.COUNT];
    private final FdbCounters fdb;

    SwitchCounters(FdbCounters fdb) {
        this.fdb = fdb;
    }

    /** Frames sent to every other up port: broadcast, multicast and unknown unicast. */
    public long floodedFrames() {
        return floodedFrames;
    }

    /** Frames sent to the one port their destination was learned on (or statically bound to). */
    public long unicastFrames() {
        return unicastFrames;
    }

    /** Drops for this reason; a flooded frame refused by k egress ports counts k times. */
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

    public long fdbLearned() {
        return fdb.learned();
    }

    public long fdbMoved() {
        return fdb.moved();
    }

    public long fdbAged() {
        return fdb.aged();
    }

    public long fdbRefused() {
        return fdb.refused();
    }

    public long fdbStaticMoveRefused() {
        return fdb.staticMoveRefused();
    }

    public FdbCounters fdb() {
        return fdb;
    }
}
