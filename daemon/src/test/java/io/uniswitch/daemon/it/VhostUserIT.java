package io.uniswitch.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.uniswitch.netlab.Iperf3;
import io.uniswitch.netlab.Names;
import io.uniswitch.netlab.Netns;
import io.uniswitch.netlab.Ping;
import io.uniswitch.netlab.QemuGuest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code vhost-user} port with a real QEMU guest: the guest's virtio-net device is served by the switch over the
 * unix socket (guest RAM in a shared memfd, {@code -netdev vhost-user}, INTx because QEMU 7.2 under TCG crashes with
 * MSI-X on a vhost-user device). A namespace pings the guest and runs a bounded iperf3 against it; the guest is killed
 * and a new QEMU connects; the switch is restarted under a running guest and QEMU reconnects ({@code reconnect=1}).
 * In mode client QEMU owns the socket ({@code server=on,wait=off}) and the switch connects, again after either side
 * restarts.
 *
 * <p>QEMU uses KVM where it boots Linux and TCG otherwise (see QemuGuest). Namespaces are removed by name in close.
 */
@Tag("root")
@Tag("qemu")
class VhostUserIT {
    private static final Duration T = Duration.ofSeconds(60);
    private static final String GUEST_MAC = "52:54:00:51:0e:02";

    @TempDir
    Path dir;

    private static String config(Path socket) {
        return config(socket, "");
    }

    private static String config(Path socket, String mode) {
        return String.join("\n",
                "switch: vu",
                "ports:",
                "  - {name: vm0, type: vhost-user, socket: " + socket + mode + "}",
                "  - {name: eth0, type: netdev}");
    }

    /** Pings until three in a row are answered or 30 s pass: a device coming back after a reconnect. */
    private static void assertComesBack(Netns lan, SwitchProcess uniswitch, QemuGuest guest, String after) {
        Ping.Stats stats = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            stats = Ping.run(lan, "10.0.0.2", 3, Duration.ofMillis(200), 56, T);
            if (stats.received() == 3) {
                return;
            }
        }
        assertEquals(3, stats.received(), "pings " + after + " (" + guest.accelUsed() + ")\n" + uniswitch.log());
    }

    private static void assertReachable(Netns lan, SwitchProcess uniswitch, QemuGuest guest, boolean reverse) {
        Ping.Stats small = Ping.run(lan, "10.0.0.2", 5, Duration.ofMillis(200), 56, T);
        assertTrue(small.received() >= 4, "pings lan -> guest: " + small.received() + "/5 (" + guest.accelUsed()
                + ")\n" + uniswitch.log());
        Ping.Stats full = Ping.run(lan, "10.0.0.2", 3, Duration.ofMillis(200), 1472, T);
        assertEquals(3, full.received(), "1472-byte pings lan -> guest (full 1514-byte frames)");
        Iperf3.Result r = Iperf3.tcp(lan, "10.0.0.2", QemuGuest.IPERF3_PORT, Duration.ofSeconds(3), 1, reverse, T);
        assertTrue(r.bitsPerSecond() > 10e6, String.format(Locale.ROOT, "%s %.1f Mbit/s",
                reverse ? "guest -> lan" : "lan -> guest", r.bitsPerSecond() / 1e6));
    }

    @Test
    void aQemuGuestOnVhostUserIsSwitchedRestartsAndSurvivesASwitchRestart() throws Exception {
        Prerequisites.require("ip", "ping", "iperf3", "ethtool", "qemu-system-x86_64");
        Path socket = dir.resolve("vm0.sock");
        try (Netns sw = Netns.create(Names.unique("usvus"));
                Netns lan = Netns.create(Names.unique("usvul"))) {
            Peers.join(sw, "eth0", lan, "10.0.0.3/24");
            SwitchProcess uniswitch = SwitchProcess.start(sw, dir, config(socket));
            try {
                QemuGuest.Options opts = QemuGuest.Options.ofVhostUser(socket, "10.0.0.2/24").withNetns(sw)
                        .withMac(GUEST_MAC).withConsoleLog(dir.resolve("guest1-console.log"));
                try (QemuGuest guest = QemuGuest.start(opts)) {
                    assertReachable(lan, uniswitch, guest, false);
                    assertTrue(uniswitch.log().contains("port vm0: vhost-user front-end connected"), uniswitch.log());
                }
                // A restarted VM: a new QEMU connects and sets the device up again.
                try (QemuGuest guest = QemuGuest.start(opts.withConsoleLog(dir.resolve("guest2-console.log")))) {
                    assertReachable(lan, uniswitch, guest, true);

                    // The switch restarts under the running guest: QEMU reconnects and the device comes back.
                    assertEquals(0, uniswitch.stop(), uniswitch.log());
                    uniswitch.close();
                    assertFalse(Files.exists(socket), "the switch removes its socket when it stops");
                    uniswitch = SwitchProcess.start(sw, dir, config(socket));
                    assertComesBack(lan, uniswitch, guest, "after the switch restarted");
                }
            } finally {
                uniswitch.close();
            }
        }
    }

    @Test
    void inModeClientTheSwitchConnectsToQemusSocketAndAgainAfterEitherRestarts() throws Exception {
        Prerequisites.require("ip", "ping", "iperf3", "ethtool", "qemu-system-x86_64");
        Path socket = dir.resolve("qemu-vm0.sock");
        try (Netns sw = Netns.create(Names.unique("usvcs"));
                Netns lan = Netns.create(Names.unique("usvcl"))) {
            Peers.join(sw, "eth0", lan, "10.0.0.3/24");
            // The switch starts first and waits for the VM's socket; QEMU creates it (server=on,wait=off).
            SwitchProcess uniswitch = SwitchProcess.start(sw, dir, config(socket, ", mode: client"));
            try {
                assertFalse(Files.exists(socket), "mode client creates no socket");
                QemuGuest.Options opts = QemuGuest.Options.ofVhostUserServer(socket, "10.0.0.2/24").withNetns(sw)
                        .withMac(GUEST_MAC).withConsoleLog(dir.resolve("guest1-console.log"));
                try (QemuGuest guest = QemuGuest.start(opts)) {
                    assertReachable(lan, uniswitch, guest, false);
                    assertTrue(uniswitch.log().contains("port vm0: waiting for the VM's vhost-user socket"),
                            uniswitch.log());
                    assertTrue(uniswitch.log().contains("port vm0: connected to the VM's vhost-user socket"),
                            uniswitch.log());

                    // The switch restarts under the running guest: it connects again and QEMU sets the device up.
                    assertEquals(0, uniswitch.stop(), uniswitch.log());
                    uniswitch.close();
                    assertTrue(Files.exists(socket), "QEMU's socket is QEMU's: the switch leaves it");
                    uniswitch = SwitchProcess.start(sw, dir, config(socket, ", mode: client"));
                    assertComesBack(lan, uniswitch, guest, "after the switch restarted");
                }
                // The VM restarts: the switch keeps trying the path and connects to the new QEMU.
                try (QemuGuest guest = QemuGuest.start(opts.withConsoleLog(dir.resolve("guest2-console.log")))) {
                    assertComesBack(lan, uniswitch, guest, "after the VM restarted");
                }
            } finally {
                uniswitch.close();
            }
        }
    }
}
