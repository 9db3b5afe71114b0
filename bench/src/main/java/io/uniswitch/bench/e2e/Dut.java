package io.uniswitch.bench.e2e;

import io.uniswitch.netlab.Netns;
import java.io.IOException;

/**
 * One switch under test: sets itself up between its ports in the switch namespace, and takes itself down again.
 * Driven by the benchmark's main thread; {@link #close} may also run from the shutdown hook, so it is idempotent.
 */
interface Dut extends AutoCloseable {
    /** Stable key in the JSON report ("bridge", "uniswitch", "ovs"). */
    String id();

    /** Column name in the table, at most 16 characters. */
    String name();

    /** Short name used in ratio column headers ("uni", "ovs"). */
    String shortName();

    /**
     * True when GRO, GSO, TSO and tx checksumming are turned off on every veth end of the run, as uniswitch needs
     * them; false leaves the kernel's defaults.
     */
    default boolean offloadsOff() {
        return true;
    }

    void start(Netns sw) throws Exception;

    /**
     * True when a failure to start (or to forward the warm-up ping) means "skip this switch with the reason printed"
     * rather than "abort the run": the issue asks for that of optional switches such as Open vSwitch.
     */
    default boolean skippable() {
        return false;
    }

    /**
     * Pid of the process that does the switching, whose CPU time is measured; -1 where the kernel does the work (then
     * only the host's system and softirq time tells the cost).
     */
    long pid();

    /**
     * Forgets every learned MAC address (RFC 2889 clears the address table before each trial). Switches that cannot
     * be told so throw.
     */
    default void flushFdb() {
        throw new UnsupportedOperationException(name() + " cannot flush its FDB");
    }

    /**
     * Waits until what the switch learned also governs its forwarding. A no-op for switches that look up their FDB
     * per frame; OVS forwards from cached datapath flows, which its revalidators bring up to date.
     */
    default void awaitLearned() {
    }

    /** MAC addresses learned now (static and the switch's own entries left out), as the switch itself lists them. */
    default long fdbEntries() {
        throw new UnsupportedOperationException(name() + " cannot list its FDB");
    }

    @Override
    void close() throws IOException;
}
