package io.uniswitch.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.uniswitch.netlab.Cmd;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's main command, {@code uniswitch demo}, run as a user runs it (a process of its own, no input): the
 * seed topology comes up, every ping is answered, iperf3 moves data across the switch, the switch's ports and FDB are
 * printed, and the namespaces it made are gone afterwards.
 */
@Tag("root")
class DemoIT {
    private static final Pattern REPLIES = Pattern.compile("(\\d+)/(\\d+) replies");
    private static final Pattern RATE = Pattern.compile("([0-9.]+) Gbit/s, \\d+ retransmits");

    @TempDir
    Path dir;

    @Test
    void theDemoCarriesRealTrafficAndLeavesNothingBehind() throws Exception {
        Prerequisites.require("ip", "ping", "iperf3", "ethtool");
        Path log = dir.resolve("demo.log");
        ProcessBuilder pb = new ProcessBuilder(SwitchProcess.javaCommand("demo", "--seconds", "2"))
                .redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE);
        Process demo = pb.start();
        demo.getOutputStream().close();
        long tag = demo.pid() % 100000;
        boolean finished = false;
        try {
            finished = demo.waitFor(180, TimeUnit.SECONDS);
            assertTrue(finished, "the demo did not finish in 180 s:\n" + read(log));
        } finally {
            if (!finished) {
                // A demo stopped by force runs no cleanup of its own: its namespaces go here, by name.
                Cmd.stop(demo, Duration.ofSeconds(5));
                for (String role : new String[] {"-sw", "-lan", "-guest"}) {
                    Cmd.runAllowFail(Duration.ofSeconds(10), List.of("ip", "netns", "del", "usw" + tag + role));
                }
            }
        }
        String out = read(log);
        assertEquals(0, demo.exitValue(), out);

        Matcher replies = REPLIES.matcher(out);
        int lines = 0;
        while (replies.find()) {
            lines++;
            assertEquals(replies.group(2), replies.group(1), "every ping answered:\n" + out);
        }
        assertEquals(5, lines, "four ping checks and the full-MTU one:\n" + out);
        Matcher rate = RATE.matcher(out);
        assertTrue(rate.find(), out);
        assertTrue(Double.parseDouble(rate.group(1)) >= 0.01, String.format(Locale.ROOT, "iperf3 moved data: %s%n%s",
                rate.group(1), out));
        assertTrue(out.contains("guest0") && out.contains("eth0") && out.contains("br100"), "ports shown:\n" + out);

        String namespaces = Cmd.run(Duration.ofSeconds(10), "ip", "netns", "list").stdout();
        assertFalse(namespaces.contains("usw" + tag + "-"), "the demo's namespaces are removed:\n" + namespaces);
    }

    private static String read(Path log) throws Exception {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }
}
