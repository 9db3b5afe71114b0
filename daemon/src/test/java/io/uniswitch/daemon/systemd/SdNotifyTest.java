package io.uniswitch.daemon.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SdNotifyTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final Duration QUIET = Duration.ofMillis(200);

    @TempDir
    Path dir;

    private static String uniqueName() {
        return "uniswitch-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    }

    private static void assertSendsEachMessage(NotifyReceiver receiver) throws Exception {
        try (SdNotify notify = SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", receiver.notifySocket()))) {
            assertTrue(notify.enabled(), notify.toString());
            assertTrue(notify.ready());
            assertTrue(notify.status("forwarding: 3 ports, control socket /run/uniswitch/br100.sock"));
            assertTrue(notify.stopping());
            assertTrue(notify.watchdog());
        }
        assertEquals("READY=1", receiver.poll(WAIT));
        assertEquals("STATUS=forwarding: 3 ports, control socket /run/uniswitch/br100.sock", receiver.poll(WAIT));
        assertEquals("STOPPING=1", receiver.poll(WAIT));
        assertEquals("WATCHDOG=1", receiver.poll(WAIT));
        assertNull(receiver.poll(QUIET), "exactly one datagram per message");
    }

    @Test
    void sendsEachMessageAsOneDatagramToAPath() throws Exception {
        try (NotifyReceiver receiver = NotifyReceiver.atPath(dir.resolve("notify"))) {
            assertSendsEachMessage(receiver);
        }
    }

    @Test
    void sendsEachMessageAsOneDatagramToAnAbstractName() throws Exception {
        try (NotifyReceiver receiver = NotifyReceiver.abstractName(uniqueName())) {
            assertSendsEachMessage(receiver);
        }
    }

    /**
     * An abstract address matches only with the exact length, so a receiver that systemd's own client reaches, and
     * that this class reaches as well, shows both use systemd's address format (and likewise for a path).
     */
    @Test
    void reachesTheSameSocketsAsSystemdNotify() throws Exception {
        for (NotifyReceiver receiver : List.of(NotifyReceiver.abstractName(uniqueName()),
                NotifyReceiver.atPath(dir.resolve("notify-" + System.nanoTime())))) {
            try (receiver) {
                ProcessBuilder pb = new ProcessBuilder("systemd-notify", "--no-block", "STATUS=from systemd-notify")
                        .redirectErrorStream(true);
                pb.environment().put("NOTIFY_SOCKET", receiver.notifySocket());
                Process p = pb.start();
                assertTrue(p.waitFor(30, TimeUnit.SECONDS), "systemd-notify did not finish");
                String output = new String(p.getInputStream().readAllBytes());
                assertEquals(0, p.exitValue(), "systemd-notify (Debian package systemd) failed: " + output);
                assertEquals("STATUS=from systemd-notify", receiver.poll(WAIT), receiver.notifySocket());
                try (SdNotify notify = SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", receiver.notifySocket()))) {
                    assertTrue(notify.ready());
                }
                assertEquals("READY=1", receiver.poll(WAIT), receiver.notifySocket());
            }
        }
    }

    @Test
    void reloadingCarriesTheMonotonicClockInMicroseconds() throws Exception {
        try (NotifyReceiver receiver = NotifyReceiver.atPath(dir.resolve("notify"));
                SdNotify notify = SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", receiver.notifySocket()))) {
            long beforeUs = System.nanoTime() / 1000;
            assertTrue(notify.reloading());
            long afterUs = System.nanoTime() / 1000;
            String message = receiver.poll(WAIT);
            assertNotNull(message);
            String[] lines = message.split("\n", -1);
            assertEquals(2, lines.length, message);
            assertEquals("RELOADING=1", lines[0]);
            assertTrue(lines[1].startsWith("MONOTONIC_USEC="), message);
            long us = Long.parseLong(lines[1].substring("MONOTONIC_USEC=".length()));
            assertTrue(us >= beforeUs && us <= afterUs, us + " not in [" + beforeUs + ", " + afterUs + "]");
        }
    }

    @Test
    void statusCannotSmuggleInOtherAssignments() throws Exception {
        try (NotifyReceiver receiver = NotifyReceiver.atPath(dir.resolve("notify"));
                SdNotify notify = SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", receiver.notifySocket()))) {
            assertTrue(notify.status("port eth0\nREADY=1\r\nMAINPID=1"));
            assertEquals("STATUS=port eth0 READY=1  MAINPID=1", receiver.poll(WAIT));
        }
    }

    @Test
    void withoutNotifySocketEverythingIsANoOp() {
        for (Map<String, String> env : List.of(Map.<String, String>of(), Map.of("NOTIFY_SOCKET", ""))) {
            try (SdNotify notify = SdNotify.fromEnvironment(env)) {
                assertFalse(notify.enabled());
                assertFalse(notify.ready());
                assertFalse(notify.status("x"));
                assertFalse(notify.stopping());
                assertFalse(notify.reloading());
                assertFalse(notify.watchdog());
            }
        }
    }

    @Test
    void addressesSystemdCannotHaveMeantAreIgnored() {
        // sun_path has 108 bytes: a path needs one for its NUL, an abstract name (NUL first, instead of @) does not.
        String longestPath = "/" + "p".repeat(SdNotify.SUN_PATH_BYTES - 2);
        String longestName = "@" + "n".repeat(SdNotify.SUN_PATH_BYTES - 1);
        for (String bad : List.of("notify.sock", "@", "/", longestPath + "p", longestName + "n", "vsock:2:1234")) {
            try (SdNotify notify = SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", bad))) {
                assertFalse(notify.enabled(), bad);
                assertFalse(notify.ready(), bad);
                assertEquals("sd_notify (off)", notify.toString());
            }
        }
        for (String good : List.of(longestPath, longestName)) {
            try (SdNotify notify = SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", good))) {
                assertTrue(notify.enabled(), good);
            }
        }
    }

    @Test
    void nobodyListeningIsReportedNeverThrown() throws Exception {
        // A path with nothing at it (ENOENT), a socket file whose owner is gone (ECONNREFUSED), an unbound abstract
        // name (ECONNREFUSED).
        Path stale = dir.resolve("stale");
        NotifyReceiver.atPath(stale).close();
        assertTrue(Files.exists(stale));
        for (String target : List.of(dir.resolve("nothing").toString(), stale.toString(), "@" + uniqueName())) {
            try (SdNotify notify = SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", target))) {
                assertTrue(notify.enabled());
                assertFalse(notify.ready(), target);
                assertFalse(notify.watchdog(), target);
                assertFalse(notify.stopping(), target);
            }
        }
    }

    @Test
    void sendingAfterCloseDoesNothing() throws Exception {
        try (NotifyReceiver receiver = NotifyReceiver.atPath(dir.resolve("notify"))) {
            SdNotify notify = SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", receiver.notifySocket()));
            notify.close();
            notify.close();
            assertFalse(notify.ready());
            assertNull(receiver.poll(QUIET));
        }
    }

    @Test
    void watchdogIntervalFromTheEnvironment() {
        long pid = 4242;
        assertEquals(Optional.of(Duration.ofSeconds(30)),
                SdNotify.watchdogInterval(Map.of("WATCHDOG_USEC", "30000000"), pid));
        assertEquals(Optional.of(Duration.ofMillis(200)),
                SdNotify.watchdogInterval(Map.of("WATCHDOG_USEC", "200000", "WATCHDOG_PID", "4242"), pid));
        assertEquals(Optional.empty(),
                SdNotify.watchdogInterval(Map.of("WATCHDOG_USEC", "200000", "WATCHDOG_PID", "4243"), pid),
                "the variables were meant for another process");
        assertEquals(Optional.empty(), SdNotify.watchdogInterval(Map.of(), pid));
        assertEquals(Optional.empty(), SdNotify.watchdogInterval(Map.of("WATCHDOG_PID", "4242"), pid));
        for (String bad : List.of("0", "-5", "soon", "", "99999999999999999999")) {
            assertEquals(Optional.empty(), SdNotify.watchdogInterval(Map.of("WATCHDOG_USEC", bad), pid), bad);
        }
        assertEquals(Optional.empty(),
                SdNotify.watchdogInterval(Map.of("WATCHDOG_USEC", "200000", "WATCHDOG_PID", "me"), pid));
    }
}
