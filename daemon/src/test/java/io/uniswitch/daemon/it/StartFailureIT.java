package io.uniswitch.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.uniswitch.netlab.Cmd;
import io.uniswitch.netlab.Links;
import io.uniswitch.netlab.Names;
import io.uniswitch.netlab.Netns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input at start: each case is a clear error with the documented exit status, and the namespace the switch ran in
 * holds exactly the interfaces it held before (no stray taps, no socket, no half-started loop).
 */
@Tag("root")
class StartFailureIT {
    private static final Duration T = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private Netns ns;

    @BeforeEach
    void setUp() {
        Prerequisites.require("ip", "ping");
        ns = Netns.create(Names.unique("usbad"));
        toClose.add(ns);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private record Outcome(int exitCode, String stderr) {
    }

    /** Runs {@code uniswitch run} as a process in the test namespace; it must exit by itself. */
    private Outcome run(String config) throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, config + "\ncontrol: {socket: " + dir.resolve("bad.sock") + "}\n");
        List<String> cmd = ns.wrap(SwitchProcess.javaCommand("run", "--config", file.toString()));
        Cmd.Result r = Cmd.runAllowFail(T, cmd.toArray(new String[0]));
        return new Outcome(r.exitCode(), r.stderr());
    }

    private String links() {
        return ns.exec(T, "ip", "-o", "link", "show").stdout().replaceAll("\\\\.*", "").trim();
    }

    private void assertNothingLeft(String before) {
        assertEquals(before, links().replaceAll("\\\\.*", "").trim(), "interfaces after a failed start");
        assertFalse(Files.exists(dir.resolve("bad.sock")), "control socket left behind");
    }

    @Test
    void missingInterfaceNamesItAndCreatesNothing() throws Exception {
        String before = links();
        Outcome o = run("switch: s\nports:\n  - {name: made0, type: tap}\n  - {name: nosuch0, type: netdev}");
        assertEquals(3, o.exitCode(), o.stderr());
        assertTrue(o.stderr().contains("port nosuch0 (")
                && o.stderr().contains(":4): interface nosuch0 does not exist"),
                o.stderr());
        assertNothingLeft(before);
    }

    @Test
    void configErrorsExitTwoWithFileAndLine() throws Exception {
        String before = links();
        String[][] cases = {
            {"switch: s\nports:\n  - {name: a0, type: tap}\n  - {name: a0, type: tap}",
                ":4: port \"a0\" is declared twice"},
            {"switch: s\nports:\n  - {name: a0, type: tap, colour: red}", ":3: port \"a0\": unknown key \"colour\""},
            {"switch: s\nports:\n  - {name: a0, type: tap, mtu: 65536}", ":3: port \"a0\": mtu 65536 is out of range"},
            {"switch: s\nports:\n  - {name: a0, type: tap, address: 10.0.0.300/24}", ":3: port \"a0\": address"},
        };
        for (String[] c : cases) {
            Outcome o = run(c[0]);
            assertEquals(2, o.exitCode(), o.stderr());
            assertTrue(o.stderr().contains("bad.yaml" + c[1]), "expected `" + c[1] + "` in: " + o.stderr());
        }
        assertNothingLeft(before);
    }

    @Test
    void tapHeldByAnotherSwitchFailsHalfWayAndUndoesTheFirstPorts() throws Exception {
        // A first switch holds tap held0.
        Path firstDir = Files.createDirectories(dir.resolve("first"));
        SwitchProcess first = SwitchProcess.start(ns, firstDir,
                "switch: first\nports:\n  - {name: held0, type: tap, address: 10.0.0.1/24}");
        toClose.add(first);
        String before = links();

        // The second creates new0 and sets its address, then cannot take held0: all of it must be undone.
        Outcome o = run("switch: s\nports:\n  - {name: new0, type: tap, address: 10.0.0.2/24}\n"
                + "  - {name: held0, type: tap}");
        assertEquals(3, o.exitCode(), o.stderr());
        assertTrue(o.stderr().contains("port held0") && o.stderr().contains("TUNSETIFF held0: EBUSY"), o.stderr());
        assertNothingLeft(before);
        assertFalse(Links.exists(ns, "new0"));

        // The first switch is undisturbed: it answers, and its port is up with its address.
        assertTrue(first.port("held0").path("up").asBoolean());
        assertEquals("10.0.0.1/24", first.port("held0").path("address").asText());
        assertEquals(0, first.stop(), first.log());
    }

    @Test
    void metricsAddressInUseIsRefusedAndUndone() throws Exception {
        Path firstDir = Files.createDirectories(dir.resolve("first"));
        SwitchProcess first = SwitchProcess.start(ns, firstDir, "switch: first\nports:\n  - {name: m0, type: tap}");
        toClose.add(first);
        String before = links();
        Outcome o = run("switch: s\nmetrics: {address: \"127.0.0.1:9477\"}\nports:\n  - {name: m1, type: tap}");
        assertEquals(3, o.exitCode(), o.stderr());
        assertTrue(o.stderr().contains("metrics address 127.0.0.1:9477 is in use"), o.stderr());
        assertNothingLeft(before);
        assertEquals(0, first.stop(), first.log());
    }

    @Test
    void cliWithNoSwitchSaysSoAndExitsFour() {
        SwitchProcess.CliRun r = SwitchProcess.cli("show", "--socket", dir.resolve("none.sock").toString());
        assertEquals(4, r.exitCode());
        assertTrue(r.err().contains("no switch is running with control socket " + dir.resolve("none.sock")), r.err());
    }

    @Test
    void secondSwitchOnTheSameSocketIsRefused() throws Exception {
        SwitchProcess first = SwitchProcess.start(ns, dir, "switch: s\nports:\n  - {name: one0, type: tap}");
        toClose.add(first);
        Path file = dir.resolve("second.yaml");
        Files.writeString(file, "switch: s\nports:\n  - {name: two0, type: tap}\ncontrol: {socket: "
                + first.socket() + "}\n");
        Cmd.Result r = Cmd.runAllowFail(T, ns.wrap(SwitchProcess.javaCommand("run", "--config", file.toString()))
                .toArray(new String[0]));
        assertEquals(3, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("is in use: another switch is running there"), r.stderr());
        assertFalse(Links.exists(ns, "two0"));
        assertEquals(0, first.stop(), first.log());
    }
}
