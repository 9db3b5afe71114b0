package io.uniswitch.netlab;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Checks for integration tests: a missing prerequisite fails the test with the reason, it never skips it. */
final class Prerequisites {
    private Prerequisites() {
    }

    static void root() {
        if (!Tools.isRoot()) {
            fail("this integration test needs root (network namespaces, veth pairs, taps); run it as root, "
                    + "or build with -DskipITs to leave integration tests out");
        }
    }

    static void tun() {
        if (!Files.exists(Path.of("/dev/net/tun"))) {
            fail("/dev/net/tun is missing: the guest's tap cannot be created (load the tun module or give the "
                    + "container the device)");
        }
    }

    static void command(String command, String debianPackage) {
        try {
            Tools.require(command, debianPackage);
        } catch (RuntimeException e) {
            fail(command + " is required and could not be installed: " + e.getMessage(), e);
        }
    }

    /** Deletes namespaces by name if a test left them behind (the test has already failed in that case). */
    static void removeNamespaces(String... names) {
        for (String name : names) {
            if (Netns.exists(name)) {
                Cmd.runAllowFail(Duration.ofSeconds(15), Tools.ip(), "netns", "del", name);
            }
        }
    }
}
