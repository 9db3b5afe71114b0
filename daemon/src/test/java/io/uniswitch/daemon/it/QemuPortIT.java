package io.uniswitch.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.uniswitch.netlab.Cmd;
import io.uniswitch.netlab.Iperf3;
import io.uniswitch.netlab.Names;
import io.uniswitch.netlab.Netns;
import io.uniswitch.netlab.Ping;
import io.uniswitch.netlab.QemuGuest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code qemu} stream port: a QEMU Linux guest on {@code -netdev stream,server=off,addr.type=unix} connects to the
 * switch's socket, and a namespace on a netdev veth pings it and runs a bounded iperf3 against it. Then the guest is
 * killed and a new QEMU connects to the same socket: the switch accepts it and traffic resumes. A socket path that
 * exists already is refused at start, naming the port and the path.
 *
 * <p>QEMU uses KVM where it boots Linux and TCG otherwise (see QemuGuest). Namespaces are removed by name in close.
 */
@Tag("root")
@Tag("qemu")
class QemuPortIT {
    private static final Duration T = Duration.ofSeconds(60);
    private static final String GUEST_MAC = "52:54:00:51:0e:01";

    @TempDir
    Path dir;

    @Test
    void guestOnAStreamPortIsSwitchedAndMayReconnect() throws Exception {
        Prerequisites.require("ip", "ping", "iperf3", "ethtool", "qemu-system-x86_64");
        Path socket = dir.resolve("vm1.sock");
        try (Netns sw = Netns.create(Names.unique("usqps"));
                Netns lan = Netns.create(Names.unique("usqpl"))) {
            Peers.join(sw, "eth0", lan, "10.0.0.3/24");
            try (SwitchProcess uniswitch = SwitchProcess.start(sw, dir, String.join("\n",
                    "switch: sq",
                    "ports:",
                    "  - {name: vm1, type: qemu, socket: " + socket + ", mode: stream, mtu: 1500}",
                    "  - {name: eth0, type: netdev}"))) {
                assertTrue(Files.exists(socket), "the switch listens on " + socket);
                QemuGuest.Options opts = QemuGuest.Options.ofStream(socket, "10.0.0.2/24").withNetns(sw)
                        .withMac(GUEST_MAC).withConsoleLog(dir.resolve("guest1-console.log"));
                try (QemuGuest guest = QemuGuest.start(opts)) {
                    Ping.Stats small = Ping.run(lan, "10.0.0.2", 5, Duration.ofMillis(200), 56, T);
                    assertEquals(5, small.received(), "pings lan -> guest (" + guest.accelUsed() + ")\n"
                            + uniswitch.log());
                    Ping.Stats full = Ping.run(lan, "10.0.0.2", 3, Duration.ofMillis(200), 1472, T);
                    assertEquals(3, full.received(), "1472-byte pings lan -> guest (full 1514-byte frames)");
                    Iperf3.Result r = Iperf3.tcp(lan, "10.0.0.2", QemuGuest.IPERF3_PORT, Duration.ofSeconds(3), 1,
                            false, T);
                    assertTrue(r.bitsPerSecond() > 10e6, String.format(Locale.ROOT, "lan -> guest %.1f Mbit/s",
                            r.bitsPerSecond() / 1e6));
                    assertTrue(learnedOn(uniswitch, "vm1"), "the guest's MAC is learned on vm1");
                }
                // The guest is gone (QEMU killed); a new QEMU process connects to the same socket.
                QemuGuest.Options again = opts.withConsoleLog(dir.resolve("guest2-console.log"));
                try (QemuGuest guest = QemuGuest.start(again)) {
                    Ping.Stats resumed = Ping.run(lan, "10.0.0.2", 5, Duration.ofMillis(200), 56, T);
                    assertTrue(resumed.received() >= 4, "pings after the VM reconnected: " + resumed.received()
                            + "/5 (" + guest.accelUsed() + ")\n" + uniswitch.log());
                    Iperf3.Result r = Iperf3.tcp(lan, "10.0.0.2", QemuGuest.IPERF3_PORT, Duration.ofSeconds(2), 1,
                            true, T);
                    assertTrue(r.bitsPerSecond() > 10e6, String.format(Locale.ROOT, "guest -> lan %.1f Mbit/s",
                            r.bitsPerSecond() / 1e6));
                }
                assertTrue(uniswitch.log().contains("port vm1: VM connected"), uniswitch.log());
                assertEquals(0, uniswitch.stop(), uniswitch.log());
                assertFalse(Files.exists(socket), "the switch removes its socket when it stops");
            }
        }
    }

    /**
     * Mode dgram: the switch learns where the VM is from the first datagram it sends (the guest's IPv6 DAD and
     * router solicitations as eth0 comes up), then pings and a short iperf3 run go through.
     */
    @Test
    void guestOnADgramPortIsSwitched() throws Exception {
        Prerequisites.require("ip", "ping", "iperf3", "ethtool", "qemu-system-x86_64");
        Path socket = dir.resolve("vm2.sock");
        Path guestSocket = dir.resolve("vm2-guest.sock");
        try (Netns sw = Netns.create(Names.unique("usqds"));
                Netns lan = Netns.create(Names.unique("usqdl"))) {
            Peers.join(sw, "eth0", lan, "10.0.0.3/24");
            try (SwitchProcess uniswitch = SwitchProcess.start(sw, dir, String.join("\n",
                    "switch: sd",
                    "ports:",
                    "  - {name: vm2, type: qemu, socket: " + socket + ", mode: dgram}",
                    "  - {name: eth0, type: netdev}"))) {
                QemuGuest.Options opts = QemuGuest.Options.ofDgram(socket, guestSocket, "10.0.0.2/24").withNetns(sw)
                        .withMac(GUEST_MAC).withConsoleLog(dir.resolve("guest-dgram-console.log"));
                try (QemuGuest guest = QemuGuest.start(opts)) {
                    Ping.Stats small = Ping.run(lan, "10.0.0.2", 5, Duration.ofMillis(200), 56, T);
                    assertTrue(small.received() >= 4, "pings lan -> guest over dgram: " + small.received() + "/5 ("
                            + guest.accelUsed() + ")\n" + uniswitch.log());
                    Iperf3.Result r = Iperf3.tcp(lan, "10.0.0.2", QemuGuest.IPERF3_PORT, Duration.ofSeconds(2), 1,
                            false, T);
                    assertTrue(r.bitsPerSecond() > 10e6, String.format(Locale.ROOT, "lan -> guest %.1f Mbit/s",
                            r.bitsPerSecond() / 1e6));
                }
                assertEquals(0, uniswitch.stop(), uniswitch.log());
                assertFalse(Files.exists(socket), "the switch removes its socket when it stops");
            } finally {
                Files.deleteIfExists(guestSocket);
            }
        }
    }

    @Test
    void anExistingSocketPathIsAStartErrorNamingThePort() throws Exception {
        Prerequisites.require("ip");
        Path socket = dir.resolve("taken.sock");
        Files.writeString(socket, "not ours");
        try (Netns ns = Netns.create(Names.unique("usqpf"))) {
            Path file = dir.resolve("bad.yaml");
            Files.writeString(file, "switch: s\nports:\n  - {name: made0, type: tap}\n"
                    + "  - {name: vm9, type: qemu, socket: " + socket + "}\n"
                    + "control: {socket: " + dir.resolve("bad.sock") + "}\n");
            List<String> cmd = ns.wrap(SwitchProcess.javaCommand("run", "--config", file.toString()));
            Cmd.Result r = Cmd.runAllowFail(T, cmd.toArray(new String[0]));
            assertEquals(3, r.exitCode(), r.stderr());
            assertTrue(r.stderr().contains("port vm9 (") && r.stderr().contains(":4): socket path " + socket
                    + " already exists; remove it or choose another path"), r.stderr());
            assertEquals("not ours", Files.readString(socket), "the existing file is left alone");
            assertFalse(ns.exec(T, "ip", "-o", "link", "show").stdout().contains("made0"), "nothing left behind");
        }
    }

    private static boolean learnedOn(SwitchProcess uniswitch, String port) throws Exception {
        for (JsonNode e : uniswitch.cliJson("fdb")) {
            if (e.path("mac").asText().equals(GUEST_MAC)) {
                return port.equals(e.path("port").asText());
            }
        }
        return false;
    }
}
