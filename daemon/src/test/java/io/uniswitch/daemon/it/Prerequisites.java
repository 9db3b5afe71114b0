package io.uniswitch.daemon.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;

/** Integration tests need root, /dev/net/tun and the network tools; without them they fail, never skip. */
final class Prerequisites {
    private Prerequisites() {
    }

    static void require(String... commands) {
        if (!"root".equals(System.getProperty("user.name"))) {
            fail("integration tests need root (they create network namespaces and taps); run scripts/test as root");
        }
        if (!Files.exists(Path.of("/dev/net/tun"))) {
            fail("/dev/net/tun is missing; load the tun module (modprobe tun)");
        }
        for (String c : commands) {
            boolean found = false;
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
                if (Files.isExecutable(Path.of(dir, c))) {
                    found = true;
                    break;
                }
            }
            if (!found) {
                fail(c + " is not installed; scripts/setup installs it");
            }
        }
    }
}
