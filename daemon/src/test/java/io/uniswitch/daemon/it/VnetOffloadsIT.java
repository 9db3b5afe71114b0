package io.uniswitch.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.uniswitch.netlab.Cmd;
import io.uniswitch.netlab.Iperf3;
import io.uniswitch.netlab.Links;
import io.uniswitch.netlab.Netns;
import io.uniswitch.netlab.Ping;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Offload mode vnet ({@code dataplane: {offloads: vnet}}): every interface keeps the kernel's default offloads (GRO,
 * GSO, TSO, tx checksumming, on the peers too), and the switch carries super-frames and partial checksums with their
 * virtio_net_hdr. This is the classic failure of userspace switches (ping works, TCP stalls on corrupt checksums or
 * oversize frames), so the test checks TCP both ways, large pings, that super-frames really crossed the switch, and
 * that no peer counted a bad checksum. Namespaces are the test's own, removed by name.
 */
@Tag("root")
class VnetOffloadsIT extends SwitchTestSupport {
    private static final Duration T = Duration.ofSeconds(30);


    @BeforeEach
    void prerequisites() {
        Prerequisites.require("ip", "ping", "iperf3", "ethtool", "nstat");
    }

    /** A peer joined by a veth with the kernel's default offloads left on at both ends. */
    private Netns peer(Netns switchNs, String swEnd, String role, String cidr) {
        Netns p = ns(role);
        Links.veth(swEnd, switchNs, "eth0", p);
        Links.up(switchNs, swEnd);
        Links.addAddress(p, "eth0", cidr);
        Links.up(p, "eth0");
        return p;
    }

    private static long csumErrors(Netns n) {
        String out = n.exec(T, "nstat", "-az", "TcpInCsumErrors", "UdpInCsumErrors").stdout();
        long sum = 0;
        for (String line : out.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 2 && f[0].endsWith("CsumErrors")) {
                sum += Long.parseLong(f[1]);
            }
        }
        return sum;
    }

    private void assertTcpBothWays(Netns client, Netns server, String serverIp) throws Exception {
        Process s = Iperf3.server(server, serverIp, 5201, dir.resolve("iperf3-" + server.name() + ".log"));
        try {
            Thread.sleep(300);
            for (boolean reverse : new boolean[] {false, true}) {
                Iperf3.Result r = Iperf3.tcp(client, serverIp, 5201, Duration.ofSeconds(3), 1, reverse, T);
                // Hundreds of Mbit/s at least; a checksum or super-frame problem gives ~0.
                assertTrue(r.bitsPerSecond() > 200e6, (reverse ? "reverse " : "") + "TCP " + r.bitsPerSecond() / 1e6
                        + " Mbit/s; switch log:\n" + sw.log());
            }
        } finally {
            s.destroy();
        }
    }

    @Test
    void tcpAndLargePingsCrossWithOffloadsOnAndSuperFramesPassThrough() throws Exception {
        Netns swNs = ns("sw");
        Netns a = peer(swNs, "va", "a", "10.0.0.1/24");
        Netns b = peer(swNs, "vb", "b", "10.0.0.2/24");
        String offloadsBefore = swNs.exec(T, "ethtool", "-k", "va").stdout();
        assertTrue(offloadsBefore.contains("generic-receive-offload: on")
                || offloadsBefore.contains("tcp-segmentation-offload: on"), offloadsBefore);
        sw = SwitchProcess.start(swNs, dir, String.join("\n",
                "switch: sw0",
                "dataplane: {offloads: vnet}",
                "ports:",
                "  - {name: va, type: netdev}",
                "  - {name: vb, type: netdev}"));
        assertTrue(sw.log().contains("vnet headers, offloads kept"), sw.log());
        assertEquals(offloadsBefore, swNs.exec(T, "ethtool", "-k", "va").stdout(), "offloads left as they were");

        assertEquals(5, Ping.run(a, "10.0.0.2", 5, Duration.ofMillis(100), 56, T).received());
        assertEquals(5, Ping.run(a, "10.0.0.2", 5, Duration.ofMillis(100), 1472, T).received());
        long errorsBefore = csumErrors(a) + csumErrors(b);
        assertTcpBothWays(a, b, "10.0.0.2");
        assertEquals(errorsBefore, csumErrors(a) + csumErrors(b), "no checksum errors on either peer");

        // Super-frames crossed: bytes per frame on the switch's ports far above the MTU.
        JsonNode va = sw.port("va");
        double bytesPerFrame = va.path("rxBytes").asDouble() / va.path("rxFrames").asDouble();
        assertTrue(bytesPerFrame > 1514, "mean frame " + bytesPerFrame + " bytes: no GSO frame went through; " + va);
        assertEquals(0, va.path("drops").path("frame_too_large").asLong(), va.toString());
        assertEquals(0, sw.port("vb").path("drops").path("egress_mtu").asLong(), sw.port("vb").toString());
    }

    @Test
    void aTapPortCarriesSuperFramesToTheHostStackToo() throws Exception {
        Netns swNs = ns("sw");
        Netns lan = peer(swNs, "up0", "lan", "10.0.0.3/24");
        sw = SwitchProcess.start(swNs, dir, String.join("\n",
                "switch: br100",
                "dataplane: {offloads: vnet}",
                "ports:",
                "  - {name: br100, type: tap, address: 10.0.0.1/24}",
                "  - {name: up0, type: netdev}"));
        String features = swNs.exec(T, "ethtool", "-k", "br100").stdout();
        assertTrue(features.contains("tcp-segmentation-offload: on"), "the tap takes TSO frames: " + features);
        long errorsBefore = csumErrors(lan) + csumErrors(swNs);
        assertTcpBothWays(lan, swNs, "10.0.0.1");
        assertEquals(errorsBefore, csumErrors(lan) + csumErrors(swNs), "no checksum errors");
    }

    @Test
    void aPortThatCannotCarryVnetHeadersIsAClearConfigError() throws Exception {
        Netns swNs = ns("sw");
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, String.join("\n",
                "switch: sw0",
                "dataplane: {offloads: vnet}",
                "ports:",
                "  - {name: vm1, type: qemu, socket: " + dir.resolve("vm1.sock") + "}",
                "control: {socket: " + dir.resolve("bad.sock") + "}"));
        Cmd.Result r = Cmd.runAllowFail(Duration.ofSeconds(60),
                swNs.wrap(SwitchProcess.javaCommand("run", "--config", file.toString())).toArray(new String[0]));
        assertEquals(2, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("bad.yaml:4: port \"vm1\": dataplane.offloads: vnet needs every port to carry "
                + "virtio_net_hdr metadata, and a qemu port cannot yet"), r.stderr());
    }
}
