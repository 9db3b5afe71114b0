package io.uniswitch.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.uniswitch.netlab.Names;
import io.uniswitch.netlab.Netns;
import java.nio.file.Path;
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

    /** A new namespace for {@code role} (a few letters), removed after the test. */
    Netns ns(String role) {
        Netns n = Netns.create(Names.unique("us" + role));
        toClose.add(n);
        return n;
    }
}
