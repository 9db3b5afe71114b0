package io.uniswitch.bench.e2e;

import io.uniswitch.netlab.Links;
import io.uniswitch.netlab.Netns;
import java.util.List;

/**
 * The Linux bridge {@code br0} over the given ports of the switch namespace, either with offloads off on every veth
 * end and on the bridge, as uniswitch has them (like for like), or with the kernel's defaults (what an operator
 * gets without touching ethtool: GRO/GSO/TSO super-frames cross the bridge whole).
 */
final class KernelBridge implements Dut {
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

    @Override
    public synchronized void close() {
        if (sw != null) {
            Netns ns = sw;
            sw = null;
            Links.delete(ns, "br0");
        }
    }
}
