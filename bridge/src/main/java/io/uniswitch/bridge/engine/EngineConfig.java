package io.uniswitch.bridge.engine;

import io.uniswitch.bridge.fdb.Fdb;

/**
 * Limits and timers of one {@link ForwardingEngine}. Immutable.
 *
 * @param ageingNs a learned entry expires this long after its source was last seen; 0 turns learning off, so every
 *     unicast frame without a static entry floods
 * @param fdbMaxEntries FDB capacity (learned and static entries); learning beyond it is refused and counted
 * @param fdbMaxEntriesPerPort entries one port may hold, so that a MAC flood on one port cannot use up the table
 * @param maxPorts port indices are 0 to maxPorts - 1
 * @param vnetHeaders every frame carries a {@link io.uniswitch.bridge.frame.VnetHeader} in the 10 bytes before its
 *     reader index (offload mode {@code vnet}): a GSO frame is checked against the egress MTU by the size of the
 *     segments it becomes, not its own
 */
public record EngineConfig(long ageingNs, int fdbMaxEntries, int fdbMaxEntriesPerPort, int maxPorts,
        boolean vnetHeaders) {
    public static final long DEFAULT_AGEING_NS = 300_000_000_000L;
    public static final int DEFAULT_FDB_MAX_ENTRIES = 8192;
    public static final int DEFAULT_FDB_MAX_ENTRIES_PER_PORT = 4096;
    public static final int DEFAULT_MAX_PORTS = 256;

    public EngineConfig {
        if (ageingNs < 0) {
            throw new IllegalArgumentException("ageingNs " + ageingNs + ": expected >= 0 (0 turns learning off)");
        }
        if (fdbMaxEntries < 1 || fdbMaxEntries > Fdb.MAX_ENTRIES_LIMIT) {
            throw new IllegalArgumentException(
                    "fdbMaxEntries " + fdbMaxEntries + ": expected 1 to " + Fdb.MAX_ENTRIES_LIMIT);
        }
        if (fdbMaxEntriesPerPort < 1) {
            throw new IllegalArgumentException("fdbMaxEntriesPerPort " + fdbMaxEntriesPerPort + ": expected >= 1");
        }
        if (maxPorts < 1 || maxPorts > Fdb.MAX_PORTS_LIMIT) {
            throw new IllegalArgumentException("maxPorts " + maxPorts + ": expected 1 to " + Fdb.MAX_PORTS_LIMIT);
        }
    }

    public static EngineConfig defaults() {
        return new EngineConfig(DEFAULT_AGEING_NS, DEFAULT_FDB_MAX_ENTRIES, DEFAULT_FDB_MAX_ENTRIES_PER_PORT,
                DEFAULT_MAX_PORTS, false);
    }

    /** The same limits with or without vnet headers on every frame (see {@code vnetHeaders}). */
    public EngineConfig(long ageingNs, int fdbMaxEntries, int fdbMaxEntriesPerPort, int maxPorts) {
        this(ageingNs, fdbMaxEntries, fdbMaxEntriesPerPort, maxPorts, false);
    }

    public EngineConfig withAgeingNs(long value) {
        return new EngineConfig(value, fdbMaxEntries, fdbMaxEntriesPerPort, maxPorts, vnetHeaders);
    }

    public EngineConfig withFdbMaxEntries(int value) {
        return new EngineConfig(ageingNs, value, fdbMaxEntriesPerPort, maxPorts, vnetHeaders);
    }

    public EngineConfig withFdbMaxEntriesPerPort(int value) {
        return new EngineConfig(ageingNs, fdbMaxEntries, value, maxPorts, vnetHeaders);
    }

    public EngineConfig withMaxPorts(int value) {
        return new EngineConfig(ageingNs, fdbMaxEntries, fdbMaxEntriesPerPort, value, vnetHeaders);
    }

    public EngineConfig withVnetHeaders(boolean value) {
        return new EngineConfig(ageingNs, fdbMaxEntries, fdbMaxEntriesPerPort, maxPorts, value);
    }
}
