package io.uniswitch.daemon.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped unit files in deploy/systemd, checked by systemd's own tools (Debian package {@code systemd}):
 * {@code systemd-analyze verify} finds no problem at all, and {@code systemd-analyze security} rates each unit's
 * exposure at 3.0 or less.
 *
 * <p>verify also checks that every Exec command exists. So it runs on a scratch root that holds the host's own
 * system units (sysinit.target and the like), the shipped files byte for byte, and an empty executable at the path
 * of each command they name.
 */
class SystemdUnitsTest {
    private static final List<String> UNITS = List.of("uniswitch.service", "tender@.service", "uniswitch-tap@.service");
    private static final double MAX_EXPOSURE = 3.0;
    private static final Pattern EXEC = Pattern.compile("^Exec[A-Za-z]+=[-@:+!]*(\\S+)", Pattern.MULTILINE);
    private static final Pattern EXPOSURE = Pattern.compile("Overall exposure level for \\S+: (\\d+\\.\\d+)");

    @TempDir
    Path scratch;

    /** deploy/systemd of this checkout: -Duniswitch.root, or found upwards from the working directory. */
    static Path unitDir() {
        String root = System.getProperty("uniswitch.root");
        Path start = Path.of(root != null ? root : System.getProperty("user.dir")).toAbsolutePath();
        for (Path p = start; p != null; p = p.getParent()) {
            Path candidate = p.resolve("deploy/systemd");
            if (Files.isRegularFile(candidate.resolve("uniswitch.service"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("no deploy/systemd/uniswitch.service above " + start);
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException(command.get(0) + " is missing: install the Debian package systemd", e);
        }
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", command) + " did not finish in 60 s");
        }
        String output = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join(" ", command) + " failed:\n" + output);
        return output;
    }

    @Test
    void systemdAnalyzeVerifyFindsNothing() throws Exception {
        Path units = unitDir();
        Path root = scratch.resolve("root");
        Path system = Files.createDirectories(root.resolve("etc/systemd/system"));
        copyTree(Path.of("/usr/lib/systemd/system"), root.resolve("usr/lib/systemd/system"));
        // Debian 12 has merged /usr: /bin and /sbin are links, and the units name /bin/kill and /sbin/ip.
        Files.createDirectories(root.resolve("usr/bin"));
        Files.createDirectories(root.resolve("usr/sbin"));
        Files.createSymbolicLink(root.resolve("bin"), Path.of("usr/bin"));
        Files.createSymbolicLink(root.resolve("sbin"), Path.of("usr/sbin"));
        TreeSet<String> commands = new TreeSet<>();
        for (String unit : UNITS) {
            Path shipped = units.resolve(unit);
            Files.copy(shipped, system.resolve(unit));
            Matcher m = EXEC.matcher(Files.readString(shipped));
            while (m.find()) {
                commands.add(m.group(1));
            }
        }
        for (String command : commands) {
            assertTrue(command.startsWith("/"), "not an absolute path: " + command);
            Path stub = root.resolve(command.substring(1));
            Files.createDirectories(stub.getParent());
            Files.writeString(stub, "#!/bin/sh\n");
            Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        System.out.println("systemd-analyze verify: commands stubbed in the scratch root: " + commands);

        List<String> verify = new ArrayList<>(List.of("systemd-analyze", "verify", "--man=no", "--generators=no",
                "--root=" + root));
        verify.addAll(List.of("uniswitch.service", "tender@100.service", "uniswitch-tap@100.service"));
        // verify exits 0 on warnings (an unknown key, a bad value); any output at all is a finding.
        assertEquals("", run(verify).strip(), "systemd-analyze verify complained");
    }

    @Test
    void exposureIsAtMostThree() throws Exception {
        Path units = unitDir();
        List<String> failures = new ArrayList<>();
        for (String unit : UNITS) {
            String output = run(List.of("systemd-analyze", "security", "--offline=yes", "--no-pager",
                    units.resolve(unit).toString()));
            Matcher m = EXPOSURE.matcher(output);
            assertTrue(m.find(), "no exposure level in:\n" + output);
            double exposure = Double.parseDouble(m.group(1));
            System.out.println("systemd-analyze security: " + unit + " exposure " + exposure);
            if (exposure > MAX_EXPOSURE) {
                failures.add(unit + ": " + exposure + "\n" + output);
            }
        }
        assertEquals(List.of(), failures, "exposure above " + MAX_EXPOSURE);
    }

    /**
     * The installed launcher execs java (so the JVM is the service's main process, which alone may notify) with the
     * options, the jar and the arguments. A stand-in java prints its pid and arguments.
     */
    @Test
    void launcherExecsJava() throws Exception {
        Path fakeJava = scratch.resolve("java");
        Files.writeString(fakeJava, "#!/bin/sh\necho \"$$ $*\"\n");
        Files.setPosixFilePermissions(fakeJava, PosixFilePermissions.fromString("rwxr-xr-x"));
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", unitDir().resolve("uniswitch").toString(), "run",
                "--config", "/etc/uniswitch/uniswitch.yaml").redirectErrorStream(true);
        pb.environment().put("JAVA", fakeJava.toString());
        pb.environment().put("UNISWITCH_JAR", "/opt/u.jar");
        pb.environment().put("UNISWITCH_JAVA_OPTS", "-XX:+ExitOnOutOfMemoryError -Xmx64m");
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), output);
        assertEquals(p.pid() + " -XX:+ExitOnOutOfMemoryError -Xmx64m -jar /opt/u.jar run --config "
                + "/etc/uniswitch/uniswitch.yaml", output, "java must replace the launcher (same pid)");
    }

    /** Copies a directory tree; symbolic links are copied as links (units masked or aliased by a link). */
    private static void copyTree(Path from, Path to) throws IOException {
        if (!Files.isDirectory(from)) {
            throw new IOException(from + " is missing: install the Debian package systemd");
        }
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, LinkOption.NOFOLLOW_LINKS, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }
}
