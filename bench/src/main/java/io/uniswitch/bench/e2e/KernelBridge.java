package io.uniswitch.bench.e2e;

import io.uniswitch.netlab.Links;
import io.uniswitch.netlab.Netns;
import io.uniswitch.netlab.Tools;
import java.time.Duration;
import java.util.List;

/**
 * The Linux bridge {@code br0} over the given ports of the switch namespace, either with offloads off on every veth
 * end and on the bridge, as uniswitch has them (like for like), or with the kernel's defaults (what an operator
 * gets without touching ethtool: GRO/GSO/TSO super-frames cross the bridge whole).
 */
final class KernelBridge implements Dut {
    private static final Duration CMD_TIMEOUT = Duration.ofSeconds(60);

    private final boolean offloadsOff;
    private final List<String> ports;
    private Netns sw;

    KernelBridge(boolean offloadsOff, List<String> ports) {
        this.offloadsOff = offloadsOff;
        this.ports = List.copyOf(ports);
    }

    @Override
    public String id() {
        return offloadsOff ? "bridge" : "bridge-offloads";
    }

    @Override
    public String name() {
        return offloadsOff ? "kernel bridge" : "bridge+offloads";
    }

    @Override
    public String shortName() {
        return offloadsOff ? "br" : "br+o";
    }

    @Override
    public boolean offloadsOff() {
        return offloadsOff;
    }

    @Override
    public void start(Netns sw) {
        this.sw = sw;
        Links.bridge(sw, "br0");
        for (String port : ports) {
            Links.setMaster(sw, port, "br0");
        }
        if (offloadsOff) {
            Links.offloadsOff(sw, "br0");
        }
        Links.up(sw, "br0");
    }

    @Override
    public long pid() {
        return -1;
    }

    /** {@code ip link set br0 type bridge fdb_flush}: every learned entry goes; the ports' own (permanent) stay. */
    @Override
    public void flushFdb() {
        sw.exec(CMD_TIMEOUT, Tools.require("ip", "iproute2").toString(), "link", "set", "dev", "br0", "type",
                "bridge", "fdb_flush");
    }

    /** Lines of {@code bridge fdb show br br0} learned on a port: neither permanent (own MACs) nor static. */
    @Override
    public long fdbEntries() {
        String out = sw.exec(CMD_TIMEOUT, Tools.require("bridge", "iproute2").toString(), "fdb", "show", "br", "br0")
                .stdout();
        long n = 0;
        for (String line : out.split("\n")) {
            if (line.contains(" master br0") && !line.contains("permanent") && !line.contains("static")) {
                n++;
            }
        }
        return n;
    }

    @Override
    public synchronized void close() {
        if (sw != null) {
            Netns ns = sw;
            sw = null;
            Links.delete(ns, "br0");
        }
    }
}
