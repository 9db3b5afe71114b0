package io.uniswitch.bridge.fdb;

/**
 * FDB events since the table was made. Written by the loop thread that owns the {@link Fdb} only; other threads
 * (metrics) read them through the getters and may see slightly old values.
 */
public final class FdbCounters {
    long learned;
    long moved;
    long aged;
    long refused;
    long staticMoveRefused;

    FdbCounters() {
    }

    /** New entries made by learning. */
    public long learned() {
        return learned;
    }

    /** Learned entries moved to another port because their source MAC appeared there. */
    public long moved() {
        return moved;
    }

    /** Learned entries that expired and were removed (by {@link Fdb#ageOut} or when relearned). */
    public long aged() {
        return aged;
    }

    /** Sources not learned because the table or the port's share of it was full. The frames were forwarded. */
    public long refused() {
        return refused;
    }

    /** Sources seen on another port than their static entry's; the entry stayed. The frames were forwarded. */
    public long staticMoveRefused() {
        return staticMoveRefused;
    }
}
