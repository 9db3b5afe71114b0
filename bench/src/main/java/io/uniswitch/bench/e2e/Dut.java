package io.uniswitch.bench.e2e;

import io.uniswitch.netlab.Netns;
import java.io.IOException;

/**
 * One switch under test: sets itself up between the veths {@code pa} and {@code pb} in the switch namespace, and
 * takes itself down again. Driven by the benchmark's main thread; {@link #close} may also run from the shutdown hook,
 * so it is idempotent.
 */
interface Dut extends AutoCloseable {
    /** Column name in the table, at most 16 characters. */
    String name();

    /** Short name used in ratio column headers ("uni", "ovs"). */
    String shortName();

    void start(Netns sw) throws Exception;

    /**
     * True when a failure to start (or to forward the warm-up ping) means "skip this switch with the reason printed"
     * rather than "abort the run": the issue asks for that of optional switches such as Open vSwitch.
     */
    default boolean skippable() {
        return false;
    }

    /** CPU seconds the switch used so far (user + system), or -1 where the kernel does the work. */
    double cpuSeconds();

    @Override
    void close() throws IOException;
}
