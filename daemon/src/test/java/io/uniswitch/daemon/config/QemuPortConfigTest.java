package io.uniswitch.daemon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The {@code qemu} port type in the config: keys, defaults, line-numbered errors, and the reload diff. */
class QemuPortConfigTest {
    private static SwitchConfig parse(String port) {
        return ConfigLoader.parse("q.yaml", "switch: s\nports:\n  - {name: eth0, type: netdev}\n  - " + port + "\n");
    }

    private static void assertError(String port, String expected) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(port));
        assertTrue(e.getMessage().contains(expected), "expected `" + expected + "` in: " + e.getMessage());
    }

    @Test
    void defaultsAreStreamAndMtu1500() {
        PortConfig p = parse("{name: vm1, type: qemu, socket: /run/uniswitch/vm1.sock}").port("vm1");
        assertEquals(PortType.QEMU, p.type());
        assertEquals(QemuMode.STREAM, p.qemuMode());
        assertEquals(Path.of("/run/uniswitch/vm1.sock"), p.socket());
        assertEquals(1500, p.mtuBytes());
        assertEquals(4, p.line());
    }

    @Test
    void dgramAndMtuAreRead() {
        PortConfig p = parse("{name: vm1, type: qemu, socket: /run/vm1.sock, mode: dgram, mtu: 9000}").port("vm1");
        assertEquals(QemuMode.DGRAM, p.qemuMode());
        assertEquals(9000, p.mtuBytes());
    }

    @Test
    void errorsNameTheLineAndTheFix() {
        assertError("{name: vm1, type: qemu}", "q.yaml:4: port \"vm1\" is missing `socket:`");
        assertError("{name: vm1, type: qemu, socket: vm1.sock}", "q.yaml:4: port \"vm1\": socket \"vm1.sock\" is not "
                + "an absolute path");
        assertError("{name: vm1, type: qemu, socket: /run/, mode: stream}", "names a directory");
        assertError("{name: vm1, type: qemu, socket: /run/" + "x".repeat(120) + "}", "longer than 107 bytes");
        assertError("{name: vm1, type: qemu, socket: /run/a.sock, mode: seqpacket}", "q.yaml:4: port \"vm1\": "
                + "unknown mode \"seqpacket\"; use mode: stream");
        assertError("{name: vm1, type: qemu, socket: /run/a.sock, user: bob}", "unknown key \"user\"");
        assertError("{name: t1, type: tap, socket: /run/a.sock}",
                "(`socket` applies to types qemu and vhost-user only)");
    }

    @Test
    void vhostUserPortsListenByDefaultAndConnectInModeClient() {
        PortConfig p = parse("{name: vm0, type: vhost-user, socket: /run/uniswitch/vm0.sock}").port("vm0");
        assertEquals(PortType.VHOST_USER, p.type());
        assertEquals("vhost-user", p.type().configName());
        assertEquals(Path.of("/run/uniswitch/vm0.sock"), p.socket());
        assertEquals(1500, p.mtuBytes());
        assertEquals(p.socket(), parse("{name: vm0, type: vhost-user, socket: /run/uniswitch/vm0.sock, mode: server}")
                .port("vm0").socket());
        assertError("{name: vm0, type: vhost-user}", "q.yaml:4: port \"vm0\" is missing `socket:`");
        assertFalse(p.connect());
        PortConfig c = parse("{name: vm0, type: vhost-user, socket: /run/qemu/vm0.sock, mode: client}").port("vm0");
        assertTrue(c.connect());
        assertEquals(Path.of("/run/qemu/vm0.sock"), c.socket());
        assertFalse(ConfigDiff.sameSettings(p, parse("{name: vm0, type: vhost-user, socket: /run/uniswitch/vm0.sock, "
                + "mode: client}").port("vm0")), "server to client is a change");
        assertEquals(3, parse("{name: vm0, type: vhost-user, socket: /run/a.sock}\n  - {name: vm1, type: qemu, "
                + "socket: /run/b.sock}").ports().size());
        assertError("{name: vm0, type: vhost-user, socket: /run/a.sock}\n  - {name: vm1, type: vhost-user, "
                + "socket: /run/a.sock, mode: client}", "port \"vm1\": socket /run/a.sock is port \"vm0\"'s already "
                + "(line 4); give each VM its own socket");
        assertError("{name: vm0, type: vhost-user, socket: /run/a.sock, mode: dgram}", "unknown mode \"dgram\"; use "
                + "mode: server (the default: the switch listens, QEMU connects) or mode: client");
    }

    @Test
    void aChangedSocketOrModeIsAChange() {
        PortConfig a = parse("{name: vm1, type: qemu, socket: /run/a.sock}").port("vm1");
        PortConfig b = parse("{name: vm1, type: qemu, socket: /run/b.sock}").port("vm1");
        PortConfig c = parse("{name: vm1, type: qemu, socket: /run/a.sock, mode: dgram}").port("vm1");
        PortConfig d = parse("{name: vm1, type: qemu, socket: /run/a.sock, mode: stream}").port("vm1");
        assertFalse(ConfigDiff.sameSettings(a, b));
        assertFalse(ConfigDiff.sameSettings(a, c));
        assertTrue(ConfigDiff.sameSettings(a, d));
    }
}
