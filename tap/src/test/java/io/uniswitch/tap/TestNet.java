package io.uniswitch.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * Test helpers: prerequisites, unique interface names, shell commands and synthetic frames. Interfaces made here
 * live in the root namespace under names no one else uses ({@code ust} + a letter + 5 random digits) and are
 * removed by name by the tests that made them.
 */
public final class TestNet {
    /** Synthetic frames carry IEEE local experimental ethertype 1. */
    public static final int ETHERTYPE = 0x88B5;
    /** Locally administered unicast MACs. */
    public static final long MAC_A = 0x02_75_73_00_00_0aL;
    public static final long MAC_B = 0x02_75_73_00_00_0bL;
    /** Offset of the 8-byte tag in a synthetic frame. */
    public static final int TAG_OFFSET = 14;

    private TestNet() {
    }

    /** Fails (never skips) unless the test runs as root with /dev/net/tun and the ip and ethtool commands. */
    public static void requireRootAndTun() {
        final String status;
        try {
            status = Files.readString(Path.of("/proc/self/status"));
        } catch (IOException e) {
            throw new AssertionError("cannot read /proc/self/status", e);
        }
        final boolean root = status.lines().anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[2].equals("0"));
        if (!root) {
            fail("these tests create tap and veth devices and need root (effective uid 0)");
        }
        if (!Files.exists(Path.of("/dev/net/tun"))) {
            fail("/dev/net/tun is missing: load the tun module (modprobe tun) or pass the device into the container");
        }
        for (String[] probe : List.of(new String[] {"ip", "-V"}, new String[] {"ethtool", "--version"})) {
            try {
                if (new ProcessBuilder(probe).redirectErrorStream(true).start().waitFor() != 0) {
                    fail(probe[0] + " does not work: install iproute2 and ethtool");
                }
            } catch (IOException e) {
                fail(probe[0] + " is missing: install iproute2 and ethtool (" + e.getMessage() + ")");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }

    /** {@code prefix} (4 characters, e.g. "ustT") and 5 random digits, not currently in use. */
    public static String uniqueName(String prefix) {
        for (int i = 0; i < 100; i++) {
            final String name = prefix + String.format("%05d", ThreadLocalRandom.current().nextInt(100000));
            if (!Files.exists(Path.of("/sys/class/net", name))) {
                return name;
            }
        }
        throw new AssertionError("no free interface name with prefix " + prefix);
    }

    /** Runs a command, fails unless it exits 0, and returns its output (stdout and stderr). */
    public static String run(String... command) {
        final Result result = exec(command);
        if (result.status != 0) {
            fail(String.join(" ", command) + " exited " + result.status + ": " + result.output);
        }
        return result.output;
    }

    /** Runs a command and returns its exit status and output. */
    public static Result exec(String... command) {
        try {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            final byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail(String.join(" ", command) + " did not finish in 10 s");
            }
            return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + String.join(" ", command), e);
        }
    }

    /** Exit status and combined output of a command. */
    public record Result(int status, String output) {
    }

    /** Removes a link by name with iproute2 if it exists; for finally blocks. */
    public static void deleteQuietly(String name) {
        if (name != null && Files.exists(Path.of("/sys/class/net", name))) {
            exec("ip", "link", "del", name);
        }
    }

    /** Turns IPv6 off on an interface so the kernel sends no router solicitations or MLD reports on it. */
    public static void quiet(String name) {
        final Path knob = Path.of("/proc/sys/net/ipv6/conf", name, "disable_ipv6");
        if (Files.exists(knob)) {
            try {
                Files.writeString(knob, "1");
            } catch (IOException e) {
                throw new AssertionError("cannot write " + knob, e);
            }
        }
    }

    /**
     * Creates a veth pair a/b (IPv6 off, both up) and waits until both are operationally up. The wait matters:
     * the end brought up first gets its carrier later, from linkwatch, and until then its qdisc is noop, which
     * drops every frame sent on it while send() still reports success.
     */
    public static void createVeth(String a, String b) {
        run("ip", "link", "add", a, "type", "veth", "peer", "name", b);
        quiet(a);
        quiet(b);
        run("ip", "link", "set", a, "up");
        run("ip", "link", "set", b, "up");
        if (!eventually(() -> sysfs(a, "operstate").equals("up") && sysfs(b, "operstate").equals("up"), 3000)) {
            fail("veth " + a + "/" + b + " not operationally up after 3 s");
        }
    }

    /** Contents of /sys/class/net/NAME/ATTRIBUTE, trimmed. */
    public static String sysfs(String name, String attribute) {
        try {
            return Files.readString(Path.of("/sys/class/net", name, attribute)).trim();
        } catch (IOException e) {
            throw new AssertionError("cannot read /sys/class/net/" + name + "/" + attribute, e);
        }
    }

    public static boolean linkExists(String name) {
        return Files.exists(Path.of("/sys/class/net", name));
    }

    /**
     * A direct buffer holding a frame dst, src, 0x88B5, the 8-byte {@code tag}, zero padding to {@code length}.
     * The caller releases it.
     */
    public static ByteBuf frame(long dst, long src, long tag, int length) {
        final ByteBuf buf = Unpooled.directBuffer(length);
        buf.writeShort((int) (dst >>> 32)).writeInt((int) dst);
        buf.writeShort((int) (src >>> 32)).writeInt((int) src);
        buf.writeShort(ETHERTYPE).writeLong(tag);
        buf.writeZero(length - buf.writerIndex());
        return buf;
    }

    /** Whether {@code buf} holds, from {@code offset}, a synthetic frame with this tag. */
    public static boolean isFrame(ByteBuf buf, int offset, long tag) {
        return buf.writerIndex() - offset >= TAG_OFFSET + 8
                && buf.getUnsignedShort(offset + 12) == ETHERTYPE
                && buf.getLong(offset + TAG_OFFSET) == tag;
    }

    /** A random tag for one test's frames. */
    public static long newTag() {
        return ThreadLocalRandom.current().nextLong();
    }

    /**
     * Calls {@code read} (which reads one frame into {@code dst} after clearing it and returns its length, 0 for
     * none) until a frame with {@code tag} shows up or {@code timeoutMs} passes; frames without the tag (kernel
     * chatter) are skipped. Returns the matching frame's length, or 0 on timeout.
     */
    public static int awaitFrame(ByteBuf dst, IntSupplier read, long tag, long timeoutMs) {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        do {
            dst.clear();
            final int n = read.getAsInt();
            if (n > 0) {
                assertEquals(n, dst.writerIndex(), "read must advance writerIndex by its result");
                if (isFrame(dst, 0, tag)) {
                    return n;
                }
            } else {
                sleepMs(1);
            }
        } while (System.nanoTime() < deadline);
        return 0;
    }

    /** Counts frames with {@code tag} read within {@code windowMs}. */
    public static int countFrames(ByteBuf dst, IntSupplier read, long tag, long windowMs) {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(windowMs);
        int count = 0;
        do {
            dst.clear();
            final int n = read.getAsInt();
            if (n > 0) {
                if (isFrame(dst, 0, tag)) {
                    count++;
                }
            } else {
                sleepMs(1);
            }
        } while (System.nanoTime() < deadline);
        return count;
    }

    /** Polls {@code condition} every 10 ms for up to {@code timeoutMs}; returns its last value. */
    public static boolean eventually(java.util.function.BooleanSupplier condition, long timeoutMs) {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            sleepMs(10);
        }
        return true;
    }

    public static void sleepMs(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
