package io.uniswitch.daemon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    private static final String SEED = String.join("\n",
            "switch: br100",
            "fdb: {ageing: 300s, max-entries: 8192}",
            "ports:",
            "  - name: br100",
            "    type: tap",
            "    address: 10.0.0.1/24",
            "  - name: tap100",
            "    type: netdev",
            "  - name: eth0",
            "    type: netdev",
            "");

    private static ConfigException error(String text) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.parse("test.yaml", text));
    }

    @Test
    void parsesTheSeedTopology() {
        SwitchConfig c = ConfigLoader.parse("test.yaml", SEED);
        assertEquals("br100", c.switchName());
        assertEquals(Duration.ofSeconds(300), c.ageing());
        assertEquals(8192, c.fdbMaxEntries());
        assertEquals(4096, c.fdbMaxEntriesPerPort());
        assertEquals(3, c.ports().size());
        PortConfig local = c.port("br100");
        assertEquals(PortType.TAP, local.type());
        assertEquals("10.0.0.1/24", local.address().toString());
        assertEquals(1500, local.mtuBytes());
        assertEquals(4, local.line());
        PortConfig tender = c.port("tap100");
        assertEquals(PortType.NETDEV, tender.type());
        assertEquals(0, tender.mtuBytes(), "a netdev keeps its own MTU unless one is set");
        assertNull(tender.address());
        assertEquals(Path.of("/run/uniswitch/br100.sock"), c.controlSocket());
    }

    @Test
    void shippedDeployConfigIsValid() {
        Path shipped = Path.of(System.getProperty("uniswitch.root", "..")).resolve("deploy/uniswitch.yaml");
        SwitchConfig c = ConfigLoader.load(shipped);
        assertEquals("br100", c.switchName());
        assertEquals(3, c.ports().size());
    }

    @Test
    void unknownTopLevelKeyNamesLineAndAllowedKeys() {
        ConfigException e = error("switch: br100\nfbd: {ageing: 10s}\nports:\n  - {name: a, type: netdev}\n");
        assertEquals(2, e.line());
        assertEquals("test.yaml:2: unknown key \"fbd\" in the top level; allowed: control, dataplane, fdb, metrics, "
                + "ports, switch",
                e.getMessage());
    }

    @Test
    void unknownPortKeyIsAnError() {
        ConfigException e = error("switch: s\nports:\n  - name: a\n    type: netdev\n    mtuu: 1500\n");
        assertEquals(5, e.line());
        assertTrue(e.getMessage().contains("port \"a\": unknown key \"mtuu\""), e.getMessage());
    }

    @Test
    void addressOnNetdevSaysItIsForTapsOnly() {
        ConfigException e = error("switch: s\nports:\n  - {name: eth0, type: netdev, address: 10.0.0.1/24}\n");
        assertTrue(e.getMessage().contains("`address` applies to type tap only"), e.getMessage());
    }

    @Test
    void duplicatePortNamesFirstLine() {
        ConfigException e = error("switch: s\nports:\n  - {name: a, type: netdev}\n  - {name: a, type: tap}\n");
        assertEquals(4, e.line());
        assertTrue(e.getMessage().contains("port \"a\" is declared twice (first on line 3)"), e.getMessage());
    }

    @Test
    void mtuOutOfRange() {
        ConfigException e = error("switch: s\nports:\n  - {name: a, type: tap, mtu: 70000}\n");
        assertEquals(3, e.line());
        assertTrue(e.getMessage().endsWith("port \"a\": mtu 70000 is out of range; use a value from 68 to 65535"),
                e.getMessage());
        assertTrue(error("switch: s\nports:\n  - {name: a, type: tap, mtu: 67}\n").getMessage().contains("mtu 67"));
        assertTrue(error("switch: s\nports:\n  - {name: a, type: tap, mtu: big}\n").getMessage()
                .contains("mtu \"big\" is not a whole number"));
    }

    @Test
    void badAddresses() {
        for (String bad : new String[] {"10.0.0.1", "10.0.0/24", "10.0.0.256/24", "10.0.0.1/33", "ten.0.0.1/8",
            "10.0.0.1/"}) {
            ConfigException e = error("switch: s\nports:\n  - {name: a, type: tap, address: \"" + bad + "\"}\n");
            assertEquals(3, e.line(), bad);
            assertTrue(e.getMessage().contains(bad) && e.getMessage().contains("10.0.0.1/24"), e.getMessage());
        }
    }

    @Test
    void unknownTypeListsTheKnownOnes() {
        ConfigException e = error("switch: s\nports:\n  - {name: a, type: bridge}\n");
        assertTrue(e.getMessage().contains("unknown type \"bridge\"; use one of: tap"), e.getMessage());
    }

    @Test
    void missingPieces() {
        assertTrue(error("").getMessage().contains("the file is empty"));
        assertTrue(error("ports:\n  - {name: a, type: tap}\n").getMessage().contains("missing `switch:`"));
        assertTrue(error("switch: s\n").getMessage().contains("missing `ports:`"));
        assertTrue(error("switch: s\nports: []\n").getMessage().contains("`ports:` is empty"));
        assertTrue(error("switch: s\nports:\n  - {type: tap}\n").getMessage().contains("a port is missing `name:`"));
        assertTrue(error("switch: s\nports:\n  - {name: a}\n").getMessage().contains("port \"a\" is missing `type:`"));
    }

    @Test
    void interfaceNames() {
        assertTrue(error("switch: s\nports:\n  - {name: averyveryverylongname, type: tap}\n").getMessage()
                .contains("longer than 15 bytes"));
        assertTrue(error("switch: s\nports:\n  - {name: \"a/b\", type: tap}\n").getMessage().contains("contains '/'"));
    }

    @Test
    void invalidYamlNamesLine() {
        ConfigException e = error("switch: s\nports:\n  - {name: a, type: tap\n");
        assertTrue(e.getMessage().startsWith("test.yaml:"), e.getMessage());
        assertTrue(e.getMessage().contains("not valid YAML"), e.getMessage());
        assertTrue(e.line() > 0);
    }

    @Test
    void durations() {
        assertEquals(Duration.ZERO, ageing("0"));
        assertEquals(Duration.ofSeconds(45), ageing("45"));
        assertEquals(Duration.ofSeconds(45), ageing("45s"));
        assertEquals(Duration.ofMinutes(5), ageing("5m"));
        assertEquals(Duration.ofHours(1), ageing("1h"));
        assertEquals(Duration.ofMillis(250), ageing("250ms"));
        assertTrue(error("switch: s\nfdb: {ageing: soon}\nports:\n  - {name: a, type: tap}\n").getMessage()
                .contains("fdb.ageing \"soon\" is not a duration"));
    }

    private static Duration ageing(String v) {
        return ConfigLoader.parse("t", "switch: s\nfdb: {ageing: " + v + "}\nports:\n  - {name: a, type: tap}\n")
                .ageing();
    }

    @Test
    void staticEntries() {
        SwitchConfig c = ConfigLoader.parse("t", "switch: s\nfdb:\n  static:\n    - {mac: 02:00:00:00:00:09, port: a}\n"
                + "ports:\n  - {name: a, type: tap}\n");
        assertEquals(1, c.staticEntries().size());
        assertEquals(0x020000000009L, c.staticEntries().get(0).mac());
        assertTrue(error("switch: s\nfdb:\n  static:\n    - {mac: 02:00:00:00:00:09, port: b}\n"
                + "ports:\n  - {name: a, type: tap}\n").getMessage()
                .contains("names port \"b\", which is not declared"));
        assertTrue(error("switch: s\nfdb:\n  static:\n    - {mac: 02:00:00:00:09, port: a}\n"
                + "ports:\n  - {name: a, type: tap}\n").getMessage().contains("is not a MAC address"));
        assertTrue(error("switch: s\nfdb:\n  static:\n    - {mac: 01:00:5e:00:00:01, port: a}\n"
                + "ports:\n  - {name: a, type: tap}\n").getMessage().contains("multicast"));
    }

    @Test
    void busyPoll() {
        assertEquals(Duration.ofNanos(50_000), ConfigLoader.parse("t", SEED).busyPoll());
        assertEquals(Duration.ofNanos(20_000), ConfigLoader.parse("t",
                "switch: s\ndataplane: {busy-poll: 20us}\nports:\n  - {name: a, type: tap}\n").busyPoll());
        assertEquals(Duration.ZERO, ConfigLoader.parse("t",
                "switch: s\ndataplane: {busy-poll: 0}\nports:\n  - {name: a, type: tap}\n").busyPoll());
        assertTrue(error("switch: s\ndataplane: {busy-poll: 1s}\nports:\n  - {name: a, type: tap}\n").getMessage()
                .contains("longer than 10ms"));
        assertTrue(error("switch: s\ndataplane: {busy-poll: fastus}\nports:\n  - {name: a, type: tap}\n")
                .getMessage().contains("is not a duration"));
    }

    @Test
    void receiveRingSize() {
        SwitchConfig off = ConfigLoader.parse("t",
                "switch: s\ndataplane: {offloads: \"off\"}\nports:\n  - {name: a, type: netdev}\n");
        assertEquals(0, off.ringBytes(), "not set");
        assertEquals(8 << 20, off.effectiveRingBytes(), "8 MiB by default");
        SwitchConfig vnet = ConfigLoader.parse("t",
                "switch: s\ndataplane: {offloads: vnet}\nports:\n  - {name: a, type: netdev}\n");
        assertEquals(32 << 20, vnet.effectiveRingBytes(), "32 MiB by default in mode vnet (128 KiB slots)");
        SwitchConfig small = ConfigLoader.parse("t",
                "switch: s\ndataplane: {ring: 2MiB, offloads: vnet}\nports:\n  - {name: a, type: netdev}\n");
        assertEquals(2 << 20, small.ringBytes());
        assertEquals(2 << 20, small.effectiveRingBytes(), "a set size holds in either mode");
        ConfigException e = error("switch: s\ndataplane: {ring: 512KiB}\nports:\n  - {name: a, type: tap}\n");
        assertTrue(e.getMessage().contains("test.yaml:2: dataplane.ring 512KiB is out of range; use 1MiB to 1GiB"),
                e.getMessage());
        assertTrue(error("switch: s\ndataplane: {ring: big}\nports:\n  - {name: a, type: tap}\n").getMessage()
                .contains("dataplane.ring \"big\" is not a size"));
    }

    @Test
    void metricsAddress() {
        assertEquals("127.0.0.1:9477", ConfigLoader.parse("t", SEED).metricsAddress());
        assertEquals(null, ConfigLoader.parse("t",
                "switch: s\nmetrics: {address: \"off\"}\nports:\n  - {name: a, type: tap}\n").metricsAddress());
        assertEquals("127.0.0.1:9100", ConfigLoader.parse("t",
                "switch: s\nmetrics: {address: \"127.0.0.1:9100\"}\nports:\n  - {name: a, type: tap}\n")
                .metricsAddress());
        ConfigException e = error("switch: s\nmetrics: {address: \"127.0.0.1:99999\"}\n"
                + "ports:\n  - {name: a, type: tap}\n");
        assertEquals(2, e.line());
        assertTrue(e.getMessage().contains("metrics.address") && e.getMessage().contains("99999"), e.getMessage());
    }

    @Test
    void controlSocketMustBeAbsolute() {
        assertTrue(error("switch: s\ncontrol: {socket: rel.sock}\nports:\n  - {name: a, type: tap}\n").getMessage()
                .contains("must be an absolute path"));
        assertEquals(Path.of("/tmp/x.sock"), ConfigLoader.parse("t",
                "switch: s\ncontrol: {socket: /tmp/x.sock}\nports:\n  - {name: a, type: tap}\n").controlSocket());
    }

    @Test
    void missingFileSaysSo(@TempDir Path dir) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(dir.resolve("nope.yaml")));
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
    }

    @Test
    void duplicateKeyIsAnError(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, "switch: s\nswitch: t\nports:\n  - {name: a, type: tap}\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(f));
        assertTrue(e.getMessage().contains("switch"), e.getMessage());
        assertEquals(2, e.line(), e.getMessage());
    }

    @Test
    void tenderPortInTapModeWithItsKeys() {
        SwitchConfig c = ConfigLoader.parse("test.yaml", String.join("\n",
                "switch: br100",
                "ports:",
                "  - {name: br100, type: tap, address: 10.0.0.1/24}",
                "  - name: tap100",
                "    type: tender",
                "    mode: tap",
                "    mtu: 9000",
                "    user: solo5",
                "    group: kvm",
                "    mac: 02:00:00:00:01:00",
                "  - {name: tap101, type: tender}",
                "  - {name: tap102, type: tender, user: 1000, group: 995}",
                ""));
        PortConfig t = c.port("tap100");
        assertEquals(PortType.TENDER, t.type());
        assertEquals(TenderMode.TAP, t.tenderMode());
        assertEquals(9000, t.mtuBytes(), "jumbo allowed");
        assertEquals("solo5", t.user());
        assertEquals("kvm", t.group());
        assertEquals(0x0200_0000_0100L, t.mac());
        assertEquals(4, t.line());
        PortConfig d = c.port("tap101");
        assertEquals(TenderMode.TAP, d.tenderMode(), "mode tap is the default");
        assertEquals(1500, d.mtuBytes(), "MTU 1500 by default");
        assertNull(d.user());
        assertNull(d.group());
        assertEquals(-1, d.mac(), "no pinned MAC");
        assertEquals("1000", c.port("tap102").user());
        assertEquals("995", c.port("tap102").group());
        assertNull(c.port("br100").tenderMode());
    }

    @Test
    void tenderKeysAreValidatedWithLineNumbers() {
        ConfigException e = error("switch: s\nports:\n  - name: t\n    type: tender\n    mode: vhost\n");
        assertEquals(5, e.line());
        assertTrue(e.getMessage().contains("port \"t\": unknown mode \"vhost\"; use mode: tap"), e.getMessage());
        e = error("switch: s\nports:\n  - {name: t, type: tender, mode: fd}\n");
        assertTrue(e.getMessage().contains("port \"t\": mode fd needs `command:`"), e.getMessage());
        SwitchConfig fd = ConfigLoader.parse("t.yaml", "switch: s\nports:\n  - {name: t, type: tender, mode: fd, "
                + "command: [solo5-hvt, \"--net:service={port}\"]}\n");
        assertEquals(TenderMode.FD, fd.port("t").tenderMode());
        assertEquals(PortConfig.DEFAULT_TENDER_BUFFER_BYTES, fd.port("t").bufferBytes());
        fd = ConfigLoader.parse("t.yaml", "switch: s\nports:\n  - {name: t, type: tender, mode: fd, buffer: 16MiB, "
                + "command: [x]}\n");
        assertEquals(16 << 20, fd.port("t").bufferBytes());
        e = error("switch: s\nports:\n  - {name: t, type: tender, mode: fd, buffer: 2GiB, command: [x]}\n");
        assertTrue(e.getMessage().contains("buffer 2GiB is out of range; use 1MiB to 1GiB"), e.getMessage());
        e = error("switch: s\nports:\n  - {name: t, type: tender, mode: fd, buffer: lots, command: [x]}\n");
        assertTrue(e.getMessage().contains("buffer \"lots\" is not a size"), e.getMessage());
        e = error("switch: s\nports:\n  - {name: t, type: tender, buffer: 16MiB}\n");
        assertTrue(e.getMessage().contains("`buffer` applies to mode fd only"), e.getMessage());
        e = error("switch: s\nports:\n  - {name: e, type: netdev, buffer: 16MiB}\n");
        assertTrue(e.getMessage().contains("`buffer` applies to type tender only"), e.getMessage());
        e = error("switch: s\nports:\n  - name: t\n    type: tender\n    command: [solo5-hvt, \"{mac}\"]\n");
        assertEquals(5, e.line());
        assertTrue(e.getMessage().contains("port \"t\": the command uses {mac} but the port has no `mac:`"),
                e.getMessage());
        e = error("switch: s\nports:\n  - name: t\n    type: tender\n    command: []\n");
        assertTrue(e.getMessage().contains("port \"t\": command is empty"), e.getMessage());
        e = error("switch: s\nports:\n  - {name: t, type: tender, command: solo5-hvt}\n");
        assertTrue(e.getMessage().contains("command must be a list"), e.getMessage());
        e = error("switch: s\nports:\n  - {name: t, type: tender, stop-timeout: 0}\n");
        assertTrue(e.getMessage().contains("stop-timeout must be more than 0"), e.getMessage());
        e = error("switch: s\nports:\n  - {name: e, type: netdev, command: [x]}\n");
        assertTrue(e.getMessage().contains("`command` applies to type tender only"), e.getMessage());
        SwitchConfig ok = ConfigLoader.parse("t.yaml", "switch: s\nports:\n  - {name: t, type: tender, mac: "
                + "02:00:00:00:00:02, stop-timeout: 2s, command: [solo5-hvt, \"--net:service={port}\", "
                + "\"--net-mac:service={mac}\"]}\n  - {name: u, type: tender}\n");
        assertEquals(List.of("solo5-hvt", "--net:service={port}", "--net-mac:service={mac}"),
                ok.port("t").command());
        assertEquals(Duration.ofSeconds(2), ok.port("t").stopTimeout());
        assertTrue(ok.port("t").supervised());
        assertFalse(ok.port("u").supervised());
        assertEquals(PortConfig.DEFAULT_STOP_TIMEOUT, ok.port("u").stopTimeout());
        e = error("switch: s\nports:\n  - {name: t, type: tender, address: 10.0.0.1/24}\n");
        assertTrue(e.getMessage().contains("`address` applies to type tap only"), e.getMessage());
        e = error("switch: s\nports:\n  - {name: t, type: tender, persist: true}\n");
        assertTrue(e.getMessage().contains("`persist` applies to type tap only"), e.getMessage());
        e = error("switch: s\nports:\n  - {name: e, type: netdev, user: solo5}\n");
        assertTrue(e.getMessage().contains("`user` applies to type tender only"), e.getMessage());
        e = error("switch: s\nports:\n  - {name: e, type: netdev, mac: 02:00:00:00:00:01}\n");
        assertTrue(e.getMessage().contains("`mac` applies to types tap and tender only"), e.getMessage());
        e = error("switch: s\nports:\n  - name: t\n    type: tender\n    mac: 01:00:5e:00:00:01\n");
        assertEquals(5, e.line());
        assertTrue(e.getMessage().contains("is multicast or zero"), e.getMessage());
        e = error("switch: s\nports:\n  - name: t\n    type: tender\n    user: \"bad user\"\n");
        assertEquals(5, e.line());
        assertTrue(e.getMessage().contains("port \"t\": user \"bad user\" is neither a user/group name nor a numeric "
                + "id"), e.getMessage());
        e = error("switch: s\nports:\n  - {name: t, type: tender, group: 99999999999}\n");
        assertTrue(e.getMessage().contains("group \"99999999999\""), e.getMessage());
        e = error("switch: s\nports:\n  - {name: t, type: tender, mtu: 70000}\n");
        assertTrue(e.getMessage().contains("mtu 70000 is out of range"), e.getMessage());
        e = error("switch: s\nports:\n  - {type: tender, mode: tap}\n");
        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains("a port is missing `name:`"), e.getMessage());
        assertTrue(error("switch: s\nports:\n  - {name: t, type: tendr}\n").getMessage()
                .contains("tender (a solo5 tender's network)"));
    }

    @Test
    void offloadsAutoPicksVnetWhenEveryPortCanCarryItAndOffOtherwise() {
        SwitchConfig all = ConfigLoader.parse("o.yaml", "switch: s\nports:\n  - {name: br0, type: tap}\n"
                + "  - {name: eth0, type: netdev}\n  - {name: t0, type: tender}\n");
        assertTrue(all.offloadsAuto());
        assertTrue(all.vnetOffloads(), "tap, netdev and tender taps all carry vnet headers");
        SwitchConfig mixed = ConfigLoader.parse("o.yaml", "switch: s\nports:\n  - {name: eth0, type: netdev}\n"
                + "  - {name: vm1, type: qemu, socket: /run/vm1.sock}\n");
        assertFalse(mixed.vnetOffloads());
        assertEquals("port vm1 is a qemu port, which cannot carry vnet headers", ConfigLoader.vnetBlocker(mixed));
        SwitchConfig off = ConfigLoader.parse("o.yaml", "switch: s\ndataplane: {offloads: off}\nports:\n"
                + "  - {name: eth0, type: netdev}\n");
        assertFalse(off.vnetOffloads());
        assertFalse(off.offloadsAuto());
        ConfigException e = error("switch: s\ndataplane: {offloads: vnet}\nports:\n  - {name: eth0, type: netdev}\n"
                + "  - {name: t1, type: tender, mode: fd, command: [x]}\n");
        assertEquals(5, e.line());
        assertTrue(e.getMessage().contains("a tender (mode fd) port cannot yet"), e.getMessage());
        e = error("switch: s\ndataplane: {offloads: fast}\nports:\n  - {name: eth0, type: netdev}\n");
        assertTrue(e.getMessage().contains("dataplane.offloads \"fast\" is not a mode; use auto"), e.getMessage());
    }
}
