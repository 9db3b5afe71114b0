package io.uniswitch.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.uniswitch.netlab.Iperf3;
import io.uniswitch.netlab.Links;
import io.uniswitch.netlab.Names;
import io.uniswitch.netlab.Netns;
import io.uniswitch.netlab.Ping;
import io.uniswitch.netlab.QemuGuest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The br100 drop-in: a guest holds the fd of {@code tap100} (here a QEMU Linux guest on
 * {@code -netdev tap,ifname=tap100,script=no,vnet_hdr=off}, as a solo5 tender would hold it), and uniswitch reaches the
 * tap from the interface side as a {@code netdev} port, exactly as the kernel bridge did. A namespace on the "uplink"
 * pings the guest and runs iperf3 against it through the switch.
 *
 * <p>QEMU uses KVM where it can boot Linux and TCG otherwise (nested KVM here runs solo5, not Linux): see QemuGuest.
 */
@Tag("root")
@Tag("qemu")
class DropInQemuIT {
    private static final Duration T = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void guestHoldingTap100IsSwitchedToANamespacePeer() throws Exception {
        Prerequisites.require("ip", "ping", "iperf3", "ethtool", "qemu-system-x86_64");
        try (Netns sw = Netns.create(Names.unique("usqsw"));
                Netns lan = Netns.create(Names.unique("usqln"))) {
            Peers.join(sw, "eth0", lan, "10.0.0.3/24");

            QemuGuest.Options opts = QemuGuest.Options.of("tap100", "10.0.0.2/24").withNetns(sw)
                    .withMac("52:54:00:12:34:56").withConsoleLog(dir.resolve("guest-console.log"));
            try (QemuGuest guest = QemuGuest.start(opts)) {
                Links.up(sw, "tap100");
                try (SwitchProcess uniswitch = SwitchProcess.start(sw, dir, String.join("\n",
                        "switch: br100",
                        "ports:",
                        "  - {name: br100, type: tap, address: 10.0.0.1/24}",
                        "  - {name: tap100, type: netdev}",
                        "  - {name: eth0, type: netdev}"))) {
                    Ping.Stats small = Ping.run(lan, "10.0.0.2", 5, Duration.ofMillis(200), 56, T);
                    assertEquals(5, small.received(), "pings lan -> guest (" + guest.accelUsed() + ")");
                    Ping.Stats full = Ping.run(lan, "10.0.0.2", 3, Duration.ofMillis(200), 1472, T);
                    assertEquals(3, full.received(), "1472-byte pings lan -> guest");
                    Ping.Stats local = Ping.run(sw, "10.0.0.2", 3, Duration.ofMillis(200), 56, T);
                    assertEquals(3, local.received(), "pings from the host's br100 (10.0.0.1) -> guest");

                    Iperf3.Result r = Iperf3.tcp(lan, "10.0.0.2", QemuGuest.IPERF3_PORT, Duration.ofSeconds(3), 1,
                            false, T);
                    // A TCG guest moves a few hundred Mbit/s on a kernel bridge here; a broken path moves ~0.
                    assertTrue(r.bitsPerSecond() > 10e6, String.format(Locale.ROOT, "lan -> guest %.1f Mbit/s",
                            r.bitsPerSecond() / 1e6));

                    boolean learned = false;
                    for (JsonNode e : uniswitch.cliJson("fdb")) {
                        if (e.path("mac").asText().equals("52:54:00:12:34:56")) {
                            assertEquals("tap100", e.path("port").asText());
                            learned = true;
                        }
                    }
                    assertTrue(learned, "the guest's MAC is learned on tap100");
                    assertEquals(0, uniswitch.stop(), uniswitch.log());
                }
            }
        }
    }
}
