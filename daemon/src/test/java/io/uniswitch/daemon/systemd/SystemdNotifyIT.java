package io.uniswitch.daemon.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.uniswitch.daemon.cli.Main;
import io.uniswitch.netlab.Names;
import io.uniswitch.netlab.Netns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code uniswitch run} under a notify socket as systemd would give it (a real AF_UNIX datagram socket bound by the
 * test): STATUS while starting, READY=1 only once every port is up, WATCHDOG=1 at half of WATCHDOG_USEC, and
 * STOPPING=1 on SIGTERM, after which it exits 0.
 */
@Tag("root")
class SystemdNotifyIT {
    private static final Duration T = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void readyAfterPortsWatchdogAndStopping() throws Exception {
        assertEquals("root", System.getProperty("user.name"), "needs root: it creates a namespace and taps");
        try (Netns ns = Netns.create(Names.unique("ussd"));
                NotifyReceiver notify = NotifyReceiver.atPath(dir.resolve("notify.sock"))) {
            Path cfg = Files.writeString(dir.resolve("sd.yaml"), String.join("\n",
                    "switch: sd0",
                    "control: {socket: " + dir.resolve("sd0.sock") + "}",
                    "ports:",
                    "  - {name: sdtap0, type: tap, address: 10.0.0.1/24}",
                    "  - {name: sdtap1, type: tap}", ""));
            List<String> cmd = new ArrayList<>(List.of("env", "NOTIFY_SOCKET=" + notify.notifySocket(),
                    "WATCHDOG_USEC=400000"));
            cmd.add(ProcessHandle.current().info().command().orElse("java"));
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "run", "--config",
                    cfg.toString()));
            Process p = ns.spawn(cmd, dir.resolve("switch.log"));
            try {
                String first = notify.poll(T);
                assertNotNull(first, "no notification at all");
                assertTrue(first.startsWith("STATUS=starting switch sd0"), first);
                String ready = null;
                for (String m = notify.poll(T); m != null; m = notify.poll(T)) {
                    if (m.equals("READY=1")) {
                        ready = m;
                        break;
                    }
                }
                assertEquals("READY=1", ready, "READY=1 arrives");
                // The moment READY arrives every port is up and has its address.
                String links = ns.exec(T, "ip", "-o", "addr", "show").stdout();
                assertTrue(links.contains("sdtap0") && links.contains("10.0.0.1/24"), links);
                String sdtap1 = ns.exec(T, "ip", "-o", "link", "show", "sdtap1").stdout();
                assertTrue(sdtap1.contains(",UP"), sdtap1);

                // Watchdog: WATCHDOG_USEC 400 ms -> a ping every 200 ms while the loop answers.
                List<String> window = notify.drain(Duration.ofSeconds(2));
                long pings = window.stream().filter("WATCHDOG=1"::equals).count();
                assertTrue(pings >= 6 && pings <= 14, "watchdog pings in 2 s: " + pings + " " + window);

                p.destroy();
                boolean stopping = false;
                for (String m = notify.poll(T); m != null; m = notify.poll(Duration.ofSeconds(2))) {
                    if (m.equals("STOPPING=1")) {
                        stopping = true;
                    }
                }
                assertTrue(stopping, "STOPPING=1 on SIGTERM");
                assertTrue(p.waitFor(20, TimeUnit.SECONDS));
                assertEquals(0, p.exitValue(), Files.readString(dir.resolve("switch.log")));
            } finally {
                p.destroyForcibly();
            }
        }
    }
}
