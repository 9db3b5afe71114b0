package io.uniswitch.netlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Boots the guest on a tap in a kernel bridge inside namespace "s", bridged by a veth to namespace "c", and drives
 * ping and iperf3 from "c". All addresses are 10.231.0.0/24 inside those namespaces.
 */
@Tag("root")
@Tag("kvm")
class QemuGuestIT {
    private static final String CLIENT_CIDR = "10.231.0.1/24";
    private static final String GUEST_CIDR = "10.231.0.2/24";
    private static final String GUEST_ADDR = "10.231.0.2";

    @BeforeAll
    static void prerequisites() {
        Prerequisites.root();
        Prerequisites.tun();
        Prerequisites.command("ip", "iproute2");
        Prerequisites.command("qemu-system-x86_64", "qemu-system-x86");
        Prerequisites.command("ping", "iputils-ping");
        Prerequisites.command("iperf3", "iperf3");
        Prerequisites.command("busybox", "busybox-static");
    }

    @Test
    void guestAnswersPingAndIperf3ThroughABridge(@TempDir Path tmp) {
        String prefix = Names.unique("us");
        String switchName = prefix + "s";
        String clientName = prefix + "c";
        long qemuPid = -1;
        try {
            try (Netns sw = Netns.create(switchName); Netns client = Netns.create(clientName)) {
                String br = prefix + "br";
                String tap = prefix + "tp";
                String v0 = prefix + "v0";
                String v1 = prefix + "v1";
                Links.bridge(sw, br);
                Links.up(sw, br);
                Links.veth(v0, sw, v1, client);
                Links.setMaster(sw, v0, br);
                Links.up(sw, v0);
                Links.addAddress(client, v1, CLIENT_CIDR);
                Links.up(client, v1);
                Links.tap(sw, tap);
                Links.setMaster(sw, tap, br);

                QemuGuest.Options options = QemuGuest.Options.of(tap, GUEST_CIDR).withNetns(sw)
                        .withConsoleLog(tmp.resolve("console.log"));
                try (QemuGuest guest = QemuGuest.start(options)) {
                    qemuPid = guest.pid();
                    System.out.printf("guest ready after %.1f s with %s (cache %s)%n",
                            guest.bootTime().toMillis() / 1000.0, guest.accelUsed(), QemuGuest.cacheDir());
                    assertTrue(sw.pids().contains(guest.pid()), "QEMU does not run in the switch namespace");

                    Ping.Stats ping = Ping.run(client, GUEST_ADDR, 5, Duration.ofMillis(200), 56,
                            Duration.ofSeconds(20));
                    assertEquals(5, ping.received(), ping.toString());

                    Iperf3.Result tcp = Iperf3.tcp(client, GUEST_ADDR, QemuGuest.IPERF3_PORT, Duration.ofSeconds(3),
                            1, false, Duration.ofSeconds(60));
                    assertTrue(tcp.bitsPerSecond() > 0, tcp.toString());
                    System.out.printf("guest ping median %.3f ms; iperf3 TCP to guest %.1f Mbit/s (%s)%n",
                            ping.medianMs(), tcp.bitsPerSecond() / 1e6, guest.accelUsed());
                }
                long pid = qemuPid;
                assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "QEMU still runs");
                assertTrue(Links.exists(sw, tap), "a tap the caller created is the caller's to delete");
            }
            assertFalse(Netns.exists(switchName), "namespace " + switchName + " left behind");
            assertFalse(Netns.exists(clientName), "namespace " + clientName + " left behind");
        } finally {
            Prerequisites.removeNamespaces(switchName, clientName);
        }
    }

    @Test
    void aFailedBootKillsQemuAndRemovesTheTapItCreated(@TempDir Path tmp) {
        String prefix = Names.unique("us");
        String switchName = prefix + "s";
        try (Netns sw = Netns.create(switchName)) {
            String tap = prefix + "tp";
            QemuGuest.Options options = QemuGuest.Options.of(tap, GUEST_CIDR).withNetns(sw)
                    .withAccel(QemuGuest.Accel.TCG).withBootTimeout(Duration.ofSeconds(1))
                    .withConsoleLog(tmp.resolve("console.log"));
            GuestBootException e = assertThrows(GuestBootException.class, () -> QemuGuest.start(options));
            assertTrue(e.getMessage().contains("not ready within 1 s"), e.getMessage());
            assertFalse(Links.exists(sw, tap), "tap created by start was not removed");
            assertTrue(sw.pids().isEmpty(), "processes left in the namespace: " + sw.pids());
        } finally {
            Prerequisites.removeNamespaces(switchName);
        }
    }

    @Test
    void kernelAndInitramfsAreCachedAndStable() {
        Path kernel = QemuGuest.kernel();
        Path initramfs = QemuGuest.initramfs();
        assertTrue(Files.isRegularFile(kernel), kernel.toString());
        assertTrue(Files.isRegularFile(initramfs), initramfs.toString());
        assertTrue(kernel.startsWith(QemuGuest.cacheDir()), kernel.toString());
        assertEquals(initramfs, QemuGuest.initramfs(), "unchanged inputs must reuse the cached initramfs");
    }
}
