package io.uniswitch.bench.e2e;

import io.uniswitch.netlab.Links;
import io.uniswitch.netlab.Names;
import io.uniswitch.netlab.Netns;

/**
 * The switch scenario's topology, made fresh for each switch and repeat: namespaces {@code a} (10.0.0.1/24 on
 * {@code eth0}) and {@code b} (10.0.0.2/24) joined to the switch namespace by veths whose switch ends are {@code pa}
 * and {@code pb}. Offloads are off on every veth end, or at the kernel's defaults for a switch that wants them. The
 * namespaces are registered with the run's {@link Cleanup} as soon as they exist; {@link #close} removes them, and
 * with them the veths and anything still running inside.
 */
final class TwoHosts implements AutoCloseable {
    final Netns sw;
    final Netns a;
    final Netns b;
    private final Cleanup cleanup;

    private TwoHosts(Netns sw, Netns a, Netns b, Cleanup cleanup) {
        this.sw = sw;
        this.a = a;
        this.b = b;
        this.cleanup = cleanup;
    }

    static TwoHosts create(boolean offloadsOff, Cleanup cleanup) {
        String tag = Names.unique("ub");
        Netns sw = cleanup.add(Netns.create(tag + "s"));
        Netns a = cleanup.add(Netns.create(tag + "a"));
        Netns b = cleanup.add(Netns.create(tag + "b"));
        TwoHosts hosts = new TwoHosts(sw, a, b, cleanup);
        try {
            join(sw, "pa", a, Measurements.A_ADDR + "/24", offloadsOff);
            join(sw, "pb", b, Measurements.B_ADDR + "/24", offloadsOff);
        } catch (RuntimeException | Error e) {
            hosts.close();
            throw e;
        }
        return hosts;
    }

    /** A veth from {@code swEnd} in the switch namespace to {@code eth0} in {@code host}, both ends up. */
    static void join(Netns sw, String swEnd, Netns host, String cidr, boolean offloadsOff) {
        Links.veth(swEnd, sw, "eth0", host);
        if (offloadsOff) {
            Links.offloadsOff(sw, swEnd);
            Links.offloadsOff(host, "eth0");
        }
        Links.up(sw, swEnd);
        Links.addAddress(host, "eth0", cidr);
        Links.up(host, "eth0");
    }

    @Override
    public void close() {
        cleanup.close(b);
        cleanup.close(a);
        cleanup.close(sw);
    }
}
