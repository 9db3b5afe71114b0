package io.uniswitch.netlab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the external tools netlab drives and installs missing ones from Debian's archive.
 *
 * <p>A fresh machine may lack iperf3, ping, ethtool, QEMU or busybox, so every class here asks for its tool through
 * {@link #require}, which searches PATH (plus the sbin directories a non-login PATH may miss) and otherwise runs
 * {@code apt-get install -y PACKAGE}. {@code apt-get update} runs at most once per process, and only when an install
 * failed (usually for missing package lists). Resolved paths are cached; all methods are thread-safe.
 */
public final class Tools {
    private static final Duration APT_TIMEOUT = Duration.ofMinutes(15);
    private static final List<String> EXTRA_DIRS = List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
            "/usr/bin", "/sbin", "/bin");
    private static final Map<String, Path> RESOLVED = new ConcurrentHashMap<>();
    private static final Map<String, String> APT_ENV = Map.of("DEBIAN_FRONTEND", "noninteractive");
    private static final Object APT_LOCK = new Object();
    private static boolean aptUpdated;

    private Tools() {
    }

    /**
     * Returns the absolute path of {@code command}, installing Debian package {@code debianPackage} if it is not on
     * PATH. Prints "installing PACKAGE (needed for COMMAND)" to stderr before installing.
     *
     * @throws IllegalStateException naming the package when it cannot be installed
     */
    public static Path require(String command, String debianPackage) {
        Path known = RESOLVED.get(command);
        if (known != null && Files.isExecutable(known)) {
            return known;
        }
        Optional<Path> found = which(command);
        if (found.isEmpty()) {
            synchronized (APT_LOCK) {
                found = which(command);
                if (found.isEmpty()) {
                    install(command, debianPackage);
                    found = which(command);
                }
            }
        }
        Path path = found.orElseThrow(() -> new IllegalStateException("installed Debian package " + debianPackage
                + " but " + command + " is still not on PATH; install the package that provides " + command));
        RESOLVED.put(command, path);
        return path;
    }

    /** The absolute path of {@code command} on PATH (or in the sbin directories), without installing anything. */
    public static Optional<Path> which(String command) {
        if (command.contains("/")) {
            Path path = Path.of(command);
            return Files.isRegularFile(path) && Files.isExecutable(path) ? Optional.of(path) : Optional.empty();
        }
        Set<String> dirs = new LinkedHashSet<>();
        String pathVar = System.getenv("PATH");
        if (pathVar != null) {
            for (String dir : pathVar.split(":")) {
                if (!dir.isEmpty()) {
                    dirs.add(dir);
                }
            }
        }
        dirs.addAll(EXTRA_DIRS);
        for (String dir : dirs) {
            Path candidate = Path.of(dir, command);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** True when this process runs with effective uid 0. */
    public static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    String[] fields = line.substring(4).trim().split("\\s+");
                    return fields.length > 1 && "0".equals(fields[1]);
                }
            }
        } catch (IOException e) {
            return "root".equals(System.getProperty("user.name"));
        }
        return false;
    }

    /** Runs {@code apt-get update} unless this process already did. */
    static void aptUpdateOnce() {
        synchronized (APT_LOCK) {
            if (aptUpdated) {
                return;
            }
            aptUpdated = true;
            Cmd.Result update = Cmd.runAllowFail(APT_TIMEOUT, APT_ENV, List.of(aptGet(), "update"));
            if (!update.ok()) {
                System.err.println("netlab: apt-get update failed (exit " + update.exitCode() + "): "
                        + update.stderr().strip());
            }
        }
    }

    static Map<String, String> aptEnv() {
        return APT_ENV;
    }

    static String aptGet() {
        return which("apt-get").map(Path::toString).orElseThrow(() -> new IllegalStateException(
                "apt-get not found: netlab installs its tools from Debian packages and needs a Debian-like system"));
    }

    private static void install(String command, String debianPackage) {
        System.err.println("installing " + debianPackage + " (needed for " + command + ")");
        if (!isRoot()) {
            throw new IllegalStateException(command + " is not on PATH and installing Debian package "
                    + debianPackage + " needs root; run: apt-get install -y " + debianPackage);
        }
        List<String> argv = new ArrayList<>(List.of(aptGet(), "install", "-y", "--no-install-recommends",
                debianPackage));
        Cmd.Result result = Cmd.runAllowFail(APT_TIMEOUT, APT_ENV, argv);
        if (!result.ok() && !aptUpdated) {
            aptUpdateOnce();
            result = Cmd.runAllowFail(APT_TIMEOUT, APT_ENV, argv);
        }
        if (!result.ok()) {
            throw new IllegalStateException("cannot install Debian package " + debianPackage + " (needed for "
                    + command + "): apt-get exit " + result.exitCode() + ": " + tail(result.stderr()));
        }
    }

    private static String tail(String text) {
        String trimmed = text.strip();
        return trimmed.length() > 1500 ? "..." + trimmed.substring(trimmed.length() - 1500) : trimmed;
    }

    static String ip() {
        return require("ip", "iproute2").toString();
    }

    static String ss() {
        return require("ss", "iproute2").toString();
    }

    static String ethtool() {
        return require("ethtool", "ethtool").toString();
    }

    static String ping() {
        return require("ping", "iputils-ping").toString();
    }

    static String iperf3() {
        return require("iperf3", "iperf3").toString();
    }

    static String trafgen() {
        return require("trafgen", "netsniff-ng").toString();
    }

    static String qemu() {
        return require("qemu-system-x86_64", "qemu-system-x86").toString();
    }
}
