package io.uniswitch.bench.e2e;

import io.uniswitch.netlab.Links;
import io.uniswitch.netlab.Names;
import io.uniswitch.netlab.Netns;
import io.uniswitch.netlab.Tools;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The topology of the RFC 2889 and scaling measurements, made fresh for each switch and repeat: hosts {@code a},
 * {@code b} and {@code c} (10.0.0.1-3/24 on {@code eth0}) joined to the switch namespace by veths whose switch ends
 * are {@code pa}, {@code pb}, {@code pc}, and {@code idle} more veths from the switch namespace ({@code px0},
 * {@code px1}, ...) to one idle namespace, up and silent. IPv6 is off in every namespace, so that no host, port or
 * switch device sends router solicitations or MLD reports that a receiver would count as test frames. Offloads are
 * off on the hosts' veths (the idle ones carry nothing). The namespaces are registered with the run's
 * {@link Cleanup} as soon as they exist; {@link #close} removes them, and with them every veth.
 */
final class ManyHosts implements AutoCloseable {
    private static final Duration T = Duration.ofSeconds(15);

    final Netns sw;
    final Netns a;
    final Netns b;
    final Netns c;
    private final Netns idleNs;
    private final List<String> idlePorts = new ArrayList<>();
    private final Cleanup cleanup;

    private ManyHosts(Netns sw, Netns a, Netns b, Netns c, Netns idleNs, Cleanup cleanup) {
        this.sw = sw;
        this.a = a;
        this.b = b;
        this.c = c;
        this.idleNs = idleNs;
        this.cleanup = cleanup;
    }

    static ManyHosts create(int idle, Cleanup cleanup) {
        String tag = Names.unique("uf");
        ManyHosts hosts = new ManyHosts(cleanup.add(Netns.create(tag + "s")), cleanup.add(Netns.create(tag + "a")),
                cleanup.add(Netns.create(tag + "b")), cleanup.add(Netns.create(tag + "c")),
                cleanup.add(Netns.create(tag + "i")), cleanup);
        try {
            for (Netns ns : List.of(hosts.sw, hosts.a, hosts.b, hosts.c, hosts.idleNs)) {
                ipv6Off(ns);
            }
            TwoHosts.join(hosts.sw, "pa", hosts.a, "10.0.0.1/24", true);
            TwoHosts.join(hosts.sw, "pb", hosts.b, "10.0.0.2/24", true);
            TwoHosts.join(hosts.sw, "pc", hosts.c, "10.0.0.3/24", true);
            for (int i = 0; i < idle; i++) {
                String port = "px" + i;
                Links.veth(port, hosts.sw, "e" + i, hosts.idleNs);
                Links.up(hosts.sw, port);
                Links.up(hosts.idleNs, "e" + i);
                hosts.idlePorts.add(port);
            }
        } catch (RuntimeException | Error e) {
            hosts.close();
            throw e;
        }
        return hosts;
    }

    /** The switch ports: pa, pb, pc, then the first {@code total - 3} idle ones. */
    List<String> ports(int total) {
        if (total < 3 || total - 3 > idlePorts.size()) {
            throw new IllegalArgumentException("ports " + total + " of 3 + " + idlePorts.size());
        }
        List<String> out = new ArrayList<>(List.of("pa", "pb", "pc"));
        out.addAll(idlePorts.subList(0, total - 3));
        return out;
    }

    /**
     * IPv6 off in {@code ns}, for its devices now and later ({@code all} reaches the existing ones). Namespaced
     * sysctls: the host's own stay as they are.
     */
    static void ipv6Off(Netns ns) {
        ns.exec(T, Tools.require("sysctl", "procps").toString(), "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1",
                "net.ipv6.conf.default.disable_ipv6=1");
    }

    @Override
    public void close() {
        cleanup.close(idleNs);
        cleanup.close(c);
        cleanup.close(b);
        cleanup.close(a);
        cleanup.close(sw);
    }
}
