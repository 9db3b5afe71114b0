package io.uniswitch.daemon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigDiffTest {
    private static SwitchConfig cfg(String body) {
        return ConfigLoader.parse("t", "switch: s\n" + body);
    }

    @Test
    void identicalConfigsDiffToNothingEvenWhenLinesMove() {
        SwitchConfig a = cfg("ports:\n  - {name: a, type: tap}\n  - {name: b, type: netdev}\n");
        SwitchConfig b = cfg("# a comment moves every line\nports:\n  - {name: b, type: netdev}\n"
                + "  - {name: a, type: tap}\n");
        ConfigDiff d = ConfigDiff.of(a, b);
        assertTrue(d.isEmpty(), d.summary());
        assertTrue(d.needRestart().isEmpty());
    }

    @Test
    void addedRemovedAndChangedPorts() {
        SwitchConfig running = cfg("ports:\n  - {name: a, type: tap}\n  - {name: b, type: netdev}\n"
                + "  - {name: c, type: tap, mtu: 1500}\n");
        SwitchConfig desired = cfg("ports:\n  - {name: a, type: tap}\n  - {name: c, type: tap, mtu: 9000}\n"
                + "  - {name: d, type: netdev}\n");
        ConfigDiff d = ConfigDiff.of(running, desired);
        assertEquals(List.of("d"), d.added().stream().map(PortConfig::name).toList());
        assertEquals(List.of("b"), d.removed());
        assertEquals(List.of("c"), d.changed().stream().map(PortConfig::name).toList());
        assertEquals(9000, d.changed().get(0).mtuBytes());
        assertFalse(d.isEmpty());
        assertEquals("ports added d, removed b, changed c; static entries +0 -0", d.summary());
    }

    @Test
    void typeChangeIsAChange() {
        ConfigDiff d = ConfigDiff.of(cfg("ports:\n  - {name: a, type: tap}\n"),
                cfg("ports:\n  - {name: a, type: netdev}\n"));
        assertEquals(1, d.changed().size());
    }

    @Test
    void tenderOwnerGroupAndPinnedMacChangesAreChanges() {
        String base = "ports:\n  - {name: t, type: tender, user: solo5, group: kvm, mac: 02:00:00:00:00:02}\n";
        assertTrue(ConfigDiff.of(cfg(base), cfg(base)).isEmpty());
        for (String changed : new String[] {
            "ports:\n  - {name: t, type: tender, user: other, group: kvm, mac: 02:00:00:00:00:02}\n",
            "ports:\n  - {name: t, type: tender, user: solo5, group: 0, mac: 02:00:00:00:00:02}\n",
            "ports:\n  - {name: t, type: tender, user: solo5, group: kvm, mac: 02:00:00:00:00:03}\n",
            "ports:\n  - {name: t, type: tender, user: solo5, group: kvm}\n"}) {
            assertEquals(1, ConfigDiff.of(cfg(base), cfg(changed)).changed().size(), changed);
        }
    }

    @Test
    void staticEntriesAgeingAndRestartOnlySettings() {
        SwitchConfig running = cfg("fdb: {ageing: 300s, max-entries: 8192}\nports:\n  - {name: a, type: tap}\n");
        SwitchConfig desired = cfg("fdb:\n  ageing: 60s\n  max-entries: 100\n  static:\n"
                + "    - {mac: 02:00:00:00:00:01, port: a}\ndataplane: {busy-poll: 0, ring: 4MiB}\n"
                + "ports:\n  - {name: a, type: tap}\n");
        ConfigDiff d = ConfigDiff.of(running, desired);
        assertTrue(d.ageingChanged());
        assertEquals(1, d.staticAdded().size());
        assertEquals(List.of("fdb capacity", "dataplane.busy-poll", "dataplane.ring"), d.needRestart());
        assertTrue(d.added().isEmpty() && d.removed().isEmpty() && d.changed().isEmpty());
    }
}
