package io.uniswitch.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.uniswitch.netlab.Cmd;
import io.uniswitch.netlab.Names;
import io.uniswitch.netlab.Netns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the switch integration tests share: a temporary directory, namespaces named by {@link Names#unique} and
 * removed by name in reverse order after each test (also when it fails), anything else to close with them, and the
 * switch under test, which must stop with status 0.
 */
abstract class SwitchTestSupport {
    @TempDir
    Path dir;

    /** Closed in reverse order after each test: namespaces, stand-in tenders, anything a test registers. */
    final List<AutoCloseable> toClose = new ArrayList<>();
    /** The switch under test, or null; stopped after each test, and it must exit 0. */
    SwitchProcess sw;

    @AfterEach
    void stopSwitchAndRemoveNamespaces() throws Exception {
        try {
            if (sw != null) {
                assertEquals(0, sw.stop(), "switch exit status after SIGTERM; log:\n" + sw.log());
            }
        } finally {
            for (int i = toClose.size() - 1; i >= 0; i--) {
                toClose.get(i).close();
            }
        }
    }

    /** How a {@code uniswitch run} that is expected to fail ended: exit status and what it printed. */
    record Outcome(int exitCode, String stderr) {
    }

    /** Runs {@code uniswitch run} in {@code ns} on {@code config} (plus a control socket of its own), to its end. */
    Outcome run(Netns ns, String config) throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, config + "\ncontrol: {socket: " + dir.resolve("bad.sock") + "}\n");
        List<String> cmd = ns.wrap(SwitchProcess.javaCommand("run", "--config", file.toString()));
        Cmd.Result r = Cmd.runAllowFail(Duration.ofSeconds(60), cmd.toArray(new String[0]));
        return new Outcome(r.exitCode(), r.stderr() + r.stdout());
    }

    /** The namespace's interfaces, one line each without their details: to compare before and after. */
    static String links(Netns ns) {
        return ns.exec(Duration.ofSeconds(30), "ip", "-o", "link", "show").stdout().replaceAll("\\\\.*", "").trim();
    }

    /** A new namespace for {@code role} (a few letters), removed after the test. */
    Netns ns(String role) {
        Netns n = Netns.create(Names.unique("us" + role));
        toClose.add(n);
        return n;
    }
}
