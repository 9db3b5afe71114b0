package io.uniswitch.netlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two fresh namespaces joined by a veth; traffic stays on 10.123.0.0/24 inside them. */
@Tag("root")
class NetnsIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String A_CIDR = "10.123.0.1/24";
    private static final String B_ADDR = "10.123.0.2";

    @BeforeAll
    static void prerequisites() {
        Prerequisites.root();
        Prerequisites.command("ip", "iproute2");
        Prerequisites.command("ping", "iputils-ping");
        Prerequisites.command("iperf3", "iperf3");
        Prerequisites.command("ethtool", "ethtool");
    }

    @Test
    void pingAndIperf3AcrossAVethThenEverythingIsGone(@TempDir Path tmp) {
        String prefix = Names.unique("us");
        String nameA = prefix + "a";
        String nameB = prefix + "b";
        AtomicReference<Process> server = new AtomicReference<>();
        try {
            try (Netns a = Netns.create(nameA); Netns b = Netns.create(nameB)) {
                join(prefix, a, b);
                Ping.Stats ping = Ping.run(a, B_ADDR, 5, Duration.ofMillis(100), 56, TIMEOUT);
                assertEquals(5, ping.sent(), ping.toString());
                assertEquals(5, ping.received(), ping.toString());
                assertEquals(0.0, ping.lossPercent(), ping.toString());
                assertTrue(ping.medianMs() > 0 && ping.p99Ms() >= ping.medianMs(), ping.toString());

                Ping.Stats flood = Ping.flood(a, B_ADDR, 200, TIMEOUT);
                assertEquals(200, flood.received(), flood.toString());

                server.set(Iperf3.server(b, B_ADDR, 5201, tmp.resolve("iperf3-server.log")));
                Iperf3.Result tcp = Iperf3.tcp(a, B_ADDR, 5201, Duration.ofSeconds(2), 1, false, TIMEOUT);
                assertTrue(tcp.bitsPerSecond() > 0, tcp.toString());
                assertEquals(2.0, tcp.seconds(), 0.5);
                System.out.printf("veth ping median %.3f ms p99 %.3f ms; iperf3 TCP %.2f Gbit/s, %d retransmits%n",
                        ping.medianMs(), ping.p99Ms(), tcp.bitsPerSecond() / 1e9, tcp.retransmits());
            }
            assertFalse(Netns.exists(nameA), "namespace " + nameA + " left behind");
            assertFalse(Netns.exists(nameB), "namespace " + nameB + " left behind");
            assertFalse(server.get().isAlive(), "iperf3 server outlived its namespace");
        } finally {
            Prerequisites.removeNamespaces(nameA, nameB);
        }
    }

    @Test
    void namespacesAndTheirProcessesAreRemovedWhenTheBodyThrows(@TempDir Path tmp) {
        String prefix = Names.unique("us");
        String nameA = prefix + "a";
        String nameB = prefix + "b";
        AtomicReference<Process> sleeper = new AtomicReference<>();
        try {
            IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> {
                try (Netns a = Netns.create(nameA); Netns b = Netns.create(nameB)) {
                    join(prefix, a, b);
                    sleeper.set(a.spawn(List.of("sleep", "60"), tmp.resolve("sleep.log")));
                    throw new IllegalStateException("test body failed");
                }
            });
            assertEquals("test body failed", thrown.getMessage());
            assertFalse(Netns.exists(nameA), "namespace " + nameA + " left behind");
            assertFalse(Netns.exists(nameB), "namespace " + nameB + " left behind");
            assertNotNull(sleeper.get());
            assertFalse(sleeper.get().isAlive(), "spawned process outlived its namespace");
        } finally {
            Prerequisites.removeNamespaces(nameA, nameB);
        }
    }

    @Test
    void createReplacesAStaleNamespaceAndBringsUpLoopback() {
        String prefix = Names.unique("us");
        String name = prefix + "s";
        try {
            Cmd.run(TIMEOUT, Tools.ip(), "netns", "add", name);
            Cmd.run(TIMEOUT, Tools.ip(), "-n", name, "link", "add", prefix + "x", "type", "veth", "peer", "name",
                    prefix + "y");
            Netns ns = Netns.create(name);
            try {
                assertFalse(Links.exists(ns, prefix + "x"), "stale namespace was reused");
                String lo = ns.exec(TIMEOUT, "ip", "link", "show", "lo").stdout();
                assertTrue(lo.contains("UP"), lo);
            } finally {
                ns.close();
            }
            ns.close();
            assertTrue(ns.isClosed());
            assertFalse(Netns.exists(name));
        } finally {
            Prerequisites.removeNamespaces(name);
        }
    }

    @Test
    void linkHelpersActOnlyInsideTheNamespace() {
        String prefix = Names.unique("us");
        String nameA = prefix + "a";
        String nameB = prefix + "b";
        try (Netns a = Netns.create(nameA); Netns b = Netns.create(nameB)) {
            String x = prefix + "x";
            String y = prefix + "y";
            Links.veth(x, a, y, a);
            assertTrue(Links.exists(a, x));
            assertTrue(Links.exists(a, y));
            assertFalse(Links.exists(null, x), "veth leaked into the root namespace");
            Links.setMtu(a, x, 1400);
            assertTrue(a.exec(TIMEOUT, "ip", "link", "show", x).stdout().contains("mtu 1400"));
            Links.moveTo(y, a, b);
            assertFalse(Links.exists(a, y));
            assertTrue(Links.exists(b, y));
            assertTrue(Links.macAddress(b, y).matches("[0-9a-f]{2}(:[0-9a-f]{2}){5}"));
            Links.offloadsOff(a, x);
            String features = a.exec(TIMEOUT, "ethtool", "-k", x).stdout();
            assertTrue(features.contains("generic-receive-offload: off"), features);
            assertTrue(features.contains("tcp-segmentation-offload: off"), features);
            String br = prefix + "br";
            Links.bridge(a, br);
            Links.setMaster(a, x, br);
            assertTrue(a.exec(TIMEOUT, "ip", "link", "show", x).stdout().contains("master " + br));
            Links.delete(a, x);
            assertFalse(Links.exists(b, y), "deleting one veth end removes the other");
            Links.delete(a, x);
        } finally {
            Prerequisites.removeNamespaces(nameA, nameB);
        }
    }

    private static void join(String prefix, Netns a, Netns b) {
        String x = prefix + "x";
        String y = prefix + "y";
        Links.veth(x, a, y, b);
        Links.addAddress(a, x, A_CIDR);
        Links.addAddress(b, y, B_ADDR + "/24");
        Links.up(a, x);
        Links.up(b, y);
    }
}
