package io.uniswitch.netlab;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Builds and caches the guest's kernel and initramfs under {@code ${UNISWITCH_CACHE:-/var/cache/uniswitch}/guest}.
 *
 * <p><b>Kernel.</b> Debian's {@code linux-image-*-amd64} package (the one {@code linux-image-amd64} depends on, or
 * {@code UNISWITCH_GUEST_KERNEL_PACKAGE}) is fetched with {@code apt-get download} and unpacked with
 * {@code dpkg-deb -x} into a scratch directory; it is never installed on the host. The bundle
 * {@code kernel-PACKAGE/} keeps {@code vmlinuz}, {@code config}, the NIC's modules (virtio_pci and virtio_net with
 * their dependencies from each module's {@code .modinfo depends=}, decompressed if shipped as .ko.xz/.zst/.gz, skipped
 * when {@code modules.builtin} lists them) and {@code modules.load}, their load order. A bundle is complete once its
 * {@code COMPLETE} file exists; it is reused as long as any complete bundle is cached.
 *
 * <p><b>Initramfs.</b> A gzip'd newc archive of static busybox, iperf3 with the libraries {@code ldd} lists, the
 * modules and {@code /init}. Its file name carries a SHA-256 over all of its inputs, so changing the init script, a
 * binary, a library or the kernel rebuilds it.
 *
 * <p>Builds hold an in-process monitor and an exclusive lock on {@code guest/.lock}, so concurrent threads and
 * processes build once and readers never see a half-written file (everything is written aside and moved into place).
 */
final class GuestImage {
    static final String READY_MARKER = "UNISWITCH-GUEST-READY";
    static final String FAILED_MARKER = "UNISWITCH-GUEST-FAILED";

    /** Bump when the archive layout changes in a way the input hash does not see. */
    private static final int FORMAT = 1;
    private static final List<String> NIC_MODULES = List.of("virtio_pci", "virtio_net");
    private static final List<String> REQUIRED_CONFIG = List.of("CONFIG_BLK_DEV_INITRD", "CONFIG_RD_GZIP",
            "CONFIG_DEVTMPFS", "CONFIG_BINFMT_SCRIPT", "CONFIG_SERIAL_8250_CONSOLE", "CONFIG_INET", "CONFIG_TMPFS");
    private static final Pattern PACKAGE = Pattern.compile("[a-z0-9][a-z0-9.+-]*");
    private static final Pattern DEPENDS_KERNEL = Pattern.compile("Depends: (linux-image-[0-9][^\\s]*)");
    private static final Pattern LDD_ARROW = Pattern.compile("=>\\s+(/\\S+)");
    private static final Pattern LDD_DIRECT = Pattern.compile("^\\s*(/\\S+)\\s+\\(0x");
    private static final Duration APT_TIMEOUT = Duration.ofMinutes(15);
    private static final Duration TOOL_TIMEOUT = Duration.ofMinutes(5);
    private static final Object JVM_LOCK = new Object();

    private GuestImage() {
    }

    /** A kernel and an initramfs that belong together. */
    record Image(Path kernel, Path initramfs) {
    }

    /** {@code ${UNISWITCH_CACHE:-/var/cache/uniswitch}/guest}. */
    static Path cacheDir() {
        String env = System.getenv("UNISWITCH_CACHE");
        Path root = env != null && !env.isBlank() ? Path.of(env) : Path.of("/var/cache/uniswitch");
        return root.resolve("guest");
    }

    static Path kernel() {
        return locked(() -> kernelBundle().resolve("vmlinuz"));
    }

    static Path initramfs() {
        return locked(() -> buildInitramfs(kernelBundle()));
    }

    static Image image() {
        return locked(() -> {
            Path bundle = kernelBundle();
            return new Image(bundle.resolve("vmlinuz"), buildInitramfs(bundle));
        });
    }

    private interface IoSupplier<T> {
        T get() throws IOException;
    }

    private static <T> T locked(IoSupplier<T> body) {
        synchronized (JVM_LOCK) {
            Path dir = cacheDir();
            try {
                Files.createDirectories(dir);
                try (FileChannel channel = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE)) {
                    FileLock lock = channel.lock();
                    try {
                        return body.get();
                    } finally {
                        lock.release();
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("guest image cache " + dir + ": " + e.getMessage(), e);
            }
        }
    }

    // ---- kernel ----

    private static Path kernelBundle() throws IOException {
        Path dir = cacheDir();
        String override = System.getenv("UNISWITCH_GUEST_KERNEL_PACKAGE");
        if (override == null || override.isBlank()) {
            Path cached = newestCompleteBundle(dir);
            if (cached != null) {
                return cached;
            }
        }
        String pkg = override != null && !override.isBlank() ? override.strip() : resolveKernelPackage();
        if (!PACKAGE.matcher(pkg).matches()) {
            throw new IllegalArgumentException("bad kernel package name: " + pkg);
        }
        Path bundle = dir.resolve("kernel-" + pkg);
        if (Files.exists(bundle.resolve("COMPLETE"))) {
            return bundle;
        }
        fetchKernel(pkg, bundle);
        return bundle;
    }

    private static Path newestCompleteBundle(Path dir) throws IOException {
        List<Path> bundles = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "kernel-*")) {
            for (Path entry : entries) {
                if (Files.exists(entry.resolve("COMPLETE"))) {
                    bundles.add(entry);
                }
            }
        }
        return bundles.stream().max(Comparator.comparing(GuestImage::completedAt)).orElse(null);
    }

    private static FileTime completedAt(Path bundle) {
        try {
            return Files.getLastModifiedTime(bundle.resolve("COMPLETE"));
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    private static String resolveKernelPackage() {
        String aptCache = Tools.require("apt-cache", "apt").toString();
        List<String> argv = List.of(aptCache, "depends", "linux-image-amd64");
        Cmd.Result result = Cmd.runAllowFail(TOOL_TIMEOUT, argv);
        Matcher matcher = DEPENDS_KERNEL.matcher(result.stdout());
        if (!matcher.find()) {
            Tools.aptUpdateOnce();
            result = Cmd.runAllowFail(TOOL_TIMEOUT, argv);
            matcher = DEPENDS_KERNEL.matcher(result.stdout());
            if (!matcher.find()) {
                throw new IllegalStateException("cannot find Debian's kernel package: `apt-cache depends "
                        + "linux-image-amd64` printed: " + (result.stdout() + result.stderr()).strip()
                        + "; set UNISWITCH_GUEST_KERNEL_PACKAGE=linux-image-VERSION-amd64");
            }
        }
        return matcher.group(1);
    }

    private static void fetchKernel(String pkg, Path bundle) throws IOException {
        Path dir = bundle.getParent();
        System.err.println("netlab: fetching guest kernel " + pkg + " into " + bundle
                + " (downloaded and unpacked, not installed)");
        Path work = Files.createTempDirectory(dir, "work-");
        Path staging = null;
        try {
            Path deb = download(pkg, work);
            Path root = work.resolve("root");
            String dpkgDeb = Tools.require("dpkg-deb", "dpkg").toString();
            Cmd.run(TOOL_TIMEOUT, List.of(dpkgDeb, "-x", deb.toString(), root.toString()));
            Path vmlinuz = single(root.resolve("boot"), "vmlinuz-*");
            Path config = single(root.resolve("boot"), "config-*");
            String release = vmlinuz.getFileName().toString().substring("vmlinuz-".length());
            Path modules = root.resolve("lib/modules").resolve(release);
            if (!Files.isDirectory(modules)) {
                modules = root.resolve("usr/lib/modules").resolve(release);
            }
            checkConfig(config);
            staging = Files.createTempDirectory(dir, "staging-");
            Files.setPosixFilePermissions(staging, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.copy(vmlinuz, staging.resolve("vmlinuz"));
            Files.copy(config, staging.resolve("config"));
            Path moduleOut = Files.createDirectories(staging.resolve("modules"));
            List<String> order = resolveModules(modules, NIC_MODULES, moduleOut);
            Files.write(staging.resolve("modules.load"), order, StandardCharsets.UTF_8);
            Files.writeString(staging.resolve("package"), pkg + "\n" + deb.getFileName() + "\n" + release + "\n");
            Files.writeString(staging.resolve("COMPLETE"), "");
            deleteRecursively(bundle);
            Files.move(staging, bundle, StandardCopyOption.ATOMIC_MOVE);
            staging = null;
        } finally {
            deleteRecursively(work);
            if (staging != null) {
                deleteRecursively(staging);
            }
        }
    }

    private static Path download(String pkg, Path work) throws IOException {
        List<String> argv = List.of(Tools.aptGet(), "-o", "APT::Sandbox::User=root", "download", pkg);
        Cmd.Result result = Cmd.runAllowFail(APT_TIMEOUT, Tools.aptEnv(), work, argv);
        if (!result.ok()) {
            Tools.aptUpdateOnce();
            result = Cmd.runAllowFail(APT_TIMEOUT, Tools.aptEnv(), work, argv);
        }
        if (!result.ok()) {
            throw new IllegalStateException("cannot download Debian package " + pkg + " (the guest kernel): "
                    + CmdException.failed(argv, result).getMessage());
        }
        return single(work, "*.deb");
    }

    private static Path single(Path dir, String glob) throws IOException {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, glob)) {
            entries.forEach(found::add);
        }
        if (found.size() != 1) {
            throw new IllegalStateException("expected one " + glob + " in " + dir + ", found " + found);
        }
        return found.get(0);
    }

    private static void checkConfig(Path config) throws IOException {
        Set<String> builtIn = new LinkedHashSet<>();
        for (String line : Files.readAllLines(config, StandardCharsets.ISO_8859_1)) {
            if (line.endsWith("=y")) {
                builtIn.add(line.substring(0, line.length() - 2));
            }
        }
        List<String> missing = new ArrayList<>();
        for (String option : REQUIRED_CONFIG) {
            if (!builtIn.contains(option)) {
                missing.add(option);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("guest kernel lacks built-in " + missing + " (" + config.getFileName()
                    + "); choose another package with UNISWITCH_GUEST_KERNEL_PACKAGE");
        }
    }

    /**
     * Copies the modules named by {@code roots} and their dependencies into {@code out} (decompressed, as
     * NAME.ko) and returns their load order, dependencies first. Built-in modules are skipped.
     */
    static List<String> resolveModules(Path modulesDir, List<String> roots, Path out) throws IOException {
        Map<String, Path> index = new HashMap<>();
        try (Stream<Path> files = Files.walk(modulesDir)) {
            files.filter(Files::isRegularFile).forEach(file -> {
                String name = moduleName(file.getFileName().toString());
                if (name != null) {
                    index.putIfAbsent(name, file);
                }
            });
        }
        Set<String> builtIn = new LinkedHashSet<>();
        Path builtinList = modulesDir.resolve("modules.builtin");
        if (Files.exists(builtinList)) {
            for (String line : Files.readAllLines(builtinList, StandardCharsets.ISO_8859_1)) {
                String file = line.substring(line.lastIndexOf('/') + 1);
                String name = moduleName(file);
                if (name != null) {
                    builtIn.add(name);
                }
            }
        }
        Map<String, Boolean> state = new LinkedHashMap<>();
        List<String> order = new ArrayList<>();
        for (String root : roots) {
            visitModule(normalize(root), index, builtIn, out, state, order, 0);
        }
        return order;
    }

    private static void visitModule(String name, Map<String, Path> index, Set<String> builtIn, Path out,
            Map<String, Boolean> state, List<String> order, int depth) throws IOException {
        if (state.containsKey(name)) {
            if (!state.get(name)) {
                throw new IllegalStateException("module dependency cycle at " + name);
            }
            return;
        }
        Path source = index.get(name);
        if (source == null) {
            if (builtIn.contains(name)) {
                state.put(name, true);
                return;
            }
            throw new IllegalStateException("kernel module " + name + " is neither built in nor shipped");
        }
        if (depth > 32) {
            throw new IllegalStateException("module dependencies too deep at " + name);
        }
        state.put(name, false);
        Path target = out.resolve(name + ".ko");
        decompressModule(source, target);
        for (String dependency : moduleDepends(Files.readAllBytes(target))) {
            visitModule(normalize(dependency), index, builtIn, out, state, order, depth + 1);
        }
        state.put(name, true);
        order.add(name);
    }

    private static void decompressModule(Path source, Path target) throws IOException {
        String file = source.getFileName().toString();
        if (file.endsWith(".ko")) {
            Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
        } else if (file.endsWith(".ko.gz")) {
            try (InputStream in = new GZIPInputStream(Files.newInputStream(source))) {
                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } else if (file.endsWith(".ko.xz")) {
            String xz = Tools.require("xz", "xz-utils").toString();
            Cmd.runToFile(TOOL_TIMEOUT, target, List.of(xz, "-dc", source.toString()));
        } else if (file.endsWith(".ko.zst")) {
            String zstd = Tools.require("zstd", "zstd").toString();
            Cmd.runToFile(TOOL_TIMEOUT, target, List.of(zstd, "-dc", source.toString()));
        } else {
            throw new IllegalStateException("unknown module compression: " + source);
        }
    }

    /** The module names in the {@code depends=} entry of a module's .modinfo section. */
    static List<String> moduleDepends(byte[] module) {
        String text = new String(module, StandardCharsets.ISO_8859_1);
        int at = text.indexOf("\0depends=");
        List<String> names = new ArrayList<>();
        if (at < 0) {
            return names;
        }
        int start = at + "\0depends=".length();
        int end = text.indexOf('\0', start);
        for (String name : text.substring(start, end < 0 ? text.length() : end).split(",")) {
            if (!name.isBlank()) {
                names.add(name.strip());
            }
        }
        return names;
    }

    /** Module name of a file name such as "virtio-net.ko.xz", or null if it is not a module. */
    static String moduleName(String file) {
        for (String suffix : List.of(".ko", ".ko.xz", ".ko.zst", ".ko.gz")) {
            if (file.endsWith(suffix)) {
                return normalize(file.substring(0, file.length() - suffix.length()));
            }
        }
        return null;
    }

    private static String normalize(String name) {
        return name.replace('-', '_');
    }

    // ---- initramfs ----

    private static Path buildInitramfs(Path bundle) throws IOException {
        List<String> modules = Files.readAllLines(bundle.resolve("modules.load"), StandardCharsets.UTF_8).stream()
                .filter(line -> !line.isBlank()).toList();
        Map<String, Path> files = new LinkedHashMap<>();
        addBinary(files, "/bin/busybox", Tools.require("busybox", "busybox-static"));
        addBinary(files, "/usr/bin/iperf3", Tools.require("iperf3", "iperf3"));
        for (String module : modules) {
            files.put("/lib/modules/netlab/" + module + ".ko", bundle.resolve("modules").resolve(module + ".ko"));
        }
        String init = initScript(modules);

        MessageDigest digest = sha256();
        digest.update(("format " + FORMAT + "\n" + init + "\n" + bundle.getFileName() + "\n")
                .getBytes(StandardCharsets.UTF_8));
        Map<String, byte[]> contents = new LinkedHashMap<>();
        for (Map.Entry<String, Path> entry : files.entrySet()) {
            byte[] content = Files.readAllBytes(entry.getValue());
            contents.put(entry.getKey(), content);
            digest.update(entry.getKey().getBytes(StandardCharsets.UTF_8));
            digest.update(sha256().digest(content));
        }
        String key = HexFormat.of().formatHex(digest.digest()).substring(0, 16);
        Path dir = cacheDir();
        Path target = dir.resolve("initramfs-" + key + ".cpio.gz");
        if (Files.exists(target)) {
            return target;
        }
        Path temp = Files.createTempFile(dir, "initramfs-", ".tmp");
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-r--r--"));
        try {
            try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(temp), 1 << 16)) {
                writeArchive(new Cpio(out), contents, init);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
        removeOtherInitramfs(dir, target);
        return target;
    }

    private static void writeArchive(Cpio cpio, Map<String, byte[]> contents, String init) throws IOException {
        Set<String> dirs = new TreeSet<>(List.of("/bin", "/sbin", "/usr", "/usr/bin", "/usr/sbin", "/dev", "/proc",
                "/sys", "/tmp", "/run", "/etc", "/root", "/var", "/lib/modules/netlab"));
        for (String path : contents.keySet()) {
            dirs.add(path.substring(0, path.lastIndexOf('/')));
        }
        Set<String> allDirs = new TreeSet<>();
        for (String dir : dirs) {
            String d = dir;
            while (d.length() > 1) {
                allDirs.add(d);
                d = d.substring(0, d.lastIndexOf('/'));
            }
        }
        for (String dir : allDirs) {
            cpio.directory(dir, dir.equals("/tmp") ? 01777 : 0755);
        }
        cpio.charDevice("/dev/console", 0600, 5, 1);
        cpio.charDevice("/dev/null", 0666, 1, 3);
        cpio.charDevice("/dev/ttyS0", 0600, 4, 64);
        cpio.file("/etc/passwd", 0644, "root:x:0:0:root:/root:/bin/sh\n".getBytes(StandardCharsets.UTF_8));
        cpio.file("/etc/group", 0644, "root:x:0:\n".getBytes(StandardCharsets.UTF_8));
        cpio.file("/etc/hosts", 0644, "127.0.0.1 localhost\n".getBytes(StandardCharsets.UTF_8));
        for (Map.Entry<String, byte[]> entry : contents.entrySet()) {
            cpio.file(entry.getKey(), 0755, entry.getValue());
        }
        cpio.file("/init", 0755, init.getBytes(StandardCharsets.UTF_8));
        cpio.finish();
    }

    /** Adds {@code binary} at {@code archivePath} and the shared libraries {@code ldd} lists at their own paths. */
    private static void addBinary(Map<String, Path> files, String archivePath, Path binary) throws IOException {
        files.put(archivePath, binary.toRealPath());
        for (String library : sharedLibraries(binary)) {
            files.putIfAbsent(library, Path.of(library).toRealPath());
        }
    }

    /** Absolute paths of the libraries (and the loader) {@code ldd} lists; empty for a static binary. */
    static List<String> sharedLibraries(Path binary) {
        String ldd = Tools.require("ldd", "libc-bin").toString();
        Cmd.Result result = Cmd.runAllowFail(TOOL_TIMEOUT, List.of(ldd, binary.toString()));
        String output = result.stdout() + result.stderr();
        if (!result.ok()) {
            if (output.contains("not a dynamic executable") || output.contains("statically linked")) {
                return List.of();
            }
            throw CmdException.failed(List.of(ldd, binary.toString()), result);
        }
        return parseLdd(result.stdout());
    }

    static List<String> parseLdd(String output) {
        List<String> libraries = new ArrayList<>();
        for (String line : output.split("\n")) {
            if (line.contains("not found")) {
                throw new IllegalStateException("ldd cannot resolve a library: " + line.strip());
            }
            Matcher arrow = LDD_ARROW.matcher(line);
            Matcher direct = LDD_DIRECT.matcher(line);
            if (arrow.find()) {
                libraries.add(arrow.group(1));
            } else if (direct.find()) {
                libraries.add(direct.group(1));
            }
        }
        return libraries;
    }

    /**
     * The guest's /init: loads the NIC modules, configures eth0 from {@code uniswitch.ip=} (and optionally
     * {@code uniswitch.mtu=}) on the kernel command line, starts {@code iperf3 -s -D}, waits until it listens on
     * 5201 and prints the ready marker on the console (ttyS0). On any failure it prints the failure marker and idles,
     * so the host reports the reason instead of waiting for its timeout.
     */
    static String initScript(List<String> modules) {
        return """
                #!/bin/busybox sh
                # uniswitch netlab guest init: generated by io.uniswitch.netlab.GuestImage.
                /bin/busybox mount -t proc proc /proc
                /bin/busybox --install -s /bin
                export PATH=/bin:/sbin:/usr/bin:/usr/sbin
                export LD_LIBRARY_PATH=/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:/lib64
                mount -t sysfs sysfs /sys
                mount -t devtmpfs devtmpfs /dev
                mount -t tmpfs tmpfs /tmp
                fail() {
                    echo "%2$s: $*"
                    while true; do sleep 3600; done
                }
                IP=""
                MTU=""
                for arg in $(cat /proc/cmdline); do
                    case "$arg" in
                        uniswitch.ip=*) IP="${arg#uniswitch.ip=}" ;;
                        uniswitch.mtu=*) MTU="${arg#uniswitch.mtu=}" ;;
                    esac
                done
                for m in %1$s; do
                    insmod "/lib/modules/netlab/$m.ko" || fail "insmod $m"
                done
                n=0
                while [ ! -e /sys/class/net/eth0 ]; do
                    n=$((n + 1))
                    [ "$n" -gt 100 ] && fail "no eth0 after loading the NIC driver"
                    sleep 0.1
                done
                ip link set lo up
                [ -n "$IP" ] || fail "no uniswitch.ip= on the kernel command line"
                if [ -n "$MTU" ]; then ip link set eth0 mtu "$MTU" || fail "mtu $MTU"; fi
                ip addr add "$IP" dev eth0 || fail "ip addr add $IP"
                ip link set eth0 up || fail "eth0 up"
                iperf3 -s -D --logfile /tmp/iperf3.log || fail "iperf3 -s: $(cat /tmp/iperf3.log)"
                n=0
                until grep -qs ':1451 [0-9A-F]*:0000 0A' /proc/net/tcp /proc/net/tcp6; do
                    n=$((n + 1))
                    [ "$n" -gt 100 ] && fail "iperf3 does not listen: $(cat /tmp/iperf3.log)"
                    sleep 0.1
                done
                echo "%3$s ip=$IP uptime=$(cut -d ' ' -f 1 /proc/uptime)"
                while true; do sleep 3600; done
                """.formatted(String.join(" ", modules), FAILED_MARKER, READY_MARKER);
    }

    private static void removeOtherInitramfs(Path dir, Path keep) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "initramfs-*.cpio.gz")) {
            for (Path entry : entries) {
                if (!entry.equals(keep)) {
                    Files.deleteIfExists(entry);
                }
            }
        } catch (IOException e) {
            System.err.println("netlab: cannot prune old initramfs files in " + dir + ": " + e.getMessage());
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
