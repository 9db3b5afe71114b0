package io.uniswitch.netlab;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

/**
 * A tiny Linux guest in QEMU, attached to a tap device, that answers ping and runs {@code iperf3 -s} on port 5201.
 *
 * <p>The kernel is Debian's, the initramfs busybox + iperf3 (see {@link GuestImage}, cached under
 * {@code ${UNISWITCH_CACHE:-/var/cache/uniswitch}/guest}). QEMU runs as {@code -machine pc -nodefaults -nographic}
 * with the serial console in a file; {@link #start} returns once the guest's init has printed
 * {@code UNISWITCH-GUEST-READY} there, which it does after eth0 is configured and iperf3 listens. The NIC is
 * {@code virtio-net-pci} on {@code -netdev tap,...,vnet_hdr=off}, so the tap carries plain Ethernet frames.
 *
 * <p><b>Accelerator.</b> {@link Accel#AUTO} (the default, or {@code UNISWITCH_GUEST_ACCEL=auto|kvm|tcg}) uses KVM
 * only if it can really boot Linux: under nested KVM, as on the project's machines, /dev/kvm opens and runs solo5
 * unikernels but a Linux guest hangs before printing anything (measured: no output in 40 s, a vCPU spinning in the
 * host kernel). So the first AUTO start in a process tries KVM with a short timeout ({@code uniswitch.guest
 * .kvmProbeSeconds}, default 20 s) and, if the ready marker does not appear, kills that QEMU and boots with
 * {@code -accel tcg -cpu max}; the outcome is cached for the rest of the process. On TCG the guest is ready in about
 * 11 s on the project's 2-core machines.
 *
 * <p>QEMU runs inside {@link Options#netns()} when given (the tap must live in the namespace QEMU opens it from). If
 * the tap does not exist, start creates it persistent and close deletes it. Close kills QEMU by its pid (the pid of
 * the returned process is QEMU's, as {@code ip netns exec} replaces itself). Guests left open are closed by a JVM
 * shutdown hook. Thread-safe.
 */
public final class QemuGuest implements AutoCloseable {
    /** Which accelerator to use; see the class comment for AUTO. */
    public enum Accel {
        AUTO, KVM, TCG
    }

    /** TCP port of the guest's iperf3 server. */
    public static final int IPERF3_PORT = 5201;

    private static final Duration STOP_GRACE = Duration.ofSeconds(5);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Pattern CIDR = Pattern.compile("(\\d{1,3}(?:\\.\\d{1,3}){3})/(\\d{1,2})");
    private static final Pattern MAC = Pattern.compile("[0-9a-f]{2}(?::[0-9a-f]{2}){5}");
    private static final Pattern MEMORY = Pattern.compile("\\d+[MG]?");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Object AUTO_LOCK = new Object();
    private static final Set<QemuGuest> OPEN = ConcurrentHashMap.newKeySet();
    private static volatile Accel autoChoice;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> List.copyOf(OPEN).forEach(QemuGuest::close),
                "netlab-qemu-cleanup"));
    }

    private final Options options;
    private final Process process;
    private final Accel accel;
    private final Path consoleLog;
    private final Path qemuLog;
    private final boolean tapCreated;
    private final Duration bootTime;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * How to boot the guest. Build with {@link #of(String, String)} and the {@code with*} methods.
     *
     * @param tap tap interface name; created (persistent) if missing
     * @param netns namespace holding the tap and running QEMU; null for the root namespace
     * @param mac guest MAC, lowercase with colons
     * @param ipv4Cidr guest address on eth0, e.g. "10.0.0.2/24"
     * @param memory QEMU {@code -m} value, e.g. "256M"
     * @param accel accelerator
     * @param bootTimeout how long to wait for the ready marker (per attempt)
     * @param consoleLog serial console file, null for {@code console.log} in a fresh temporary directory; QEMU's own
     *     output goes to {@code consoleLog + ".qemu.log"}
     * @param mtu guest eth0 MTU, 0 for the default
     * @param streamSocket null to attach the NIC to {@code tap}; else a unix socket QEMU connects to with
     *     {@code -netdev stream} (a 4-byte length before each frame), e.g. a uniswitch {@code qemu} port; tap is then
     *     ignored and may be null
     * @param dgramLocal null for {@code -netdev stream} to {@code streamSocket}; else the NIC is on
     *     {@code -netdev dgram}, bound here and sending to {@code streamSocket} (one frame per datagram)
     * @param vhostUser the NIC is {@code -netdev vhost-user} on {@code streamSocket}
     * @param qemuListens with vhostUser: QEMU creates the socket and the back-end connects (else QEMU connects)
     */
    public record Options(String tap, Netns netns, String mac, String ipv4Cidr, String memory, Accel accel,
            Duration bootTimeout, Path consoleLog, int mtu, Path streamSocket, Path dgramLocal, boolean vhostUser,
            boolean qemuListens) {
        public Options {
            if (dgramLocal != null && (streamSocket == null || dgramLocal.toString().contains(","))) {
                throw new IllegalArgumentException("dgramLocal needs streamSocket (the remote) and no ',': "
                        + dgramLocal);
            }
            if (streamSocket == null) {
                Names.checkIfname(Objects.requireNonNull(tap, "tap"));
            } else if (streamSocket.toString().contains(",")) {
                throw new IllegalArgumentException("QEMU option paths cannot contain ',': " + streamSocket);
            }
            if (!MAC.matcher(Objects.requireNonNull(mac, "mac")).matches()) {
                throw new IllegalArgumentException("bad MAC (lowercase, colons): " + mac);
            }
            if (!CIDR.matcher(Objects.requireNonNull(ipv4Cidr, "ipv4Cidr")).matches()) {
                throw new IllegalArgumentException("bad IPv4 CIDR: " + ipv4Cidr);
            }
            if (!MEMORY.matcher(Objects.requireNonNull(memory, "memory")).matches()) {
                throw new IllegalArgumentException("bad memory size: " + memory);
            }
            Objects.requireNonNull(accel, "accel");
            Objects.requireNonNull(bootTimeout, "bootTimeout");
            if (consoleLog != null && consoleLog.toString().contains(",")) {
                throw new IllegalArgumentException("QEMU option paths cannot contain ',': " + consoleLog);
            }
            if (mtu != 0 && (mtu < 68 || mtu > 65535)) {
                throw new IllegalArgumentException("bad MTU: " + mtu);
            }
        }

        /**
         * Defaults: random locally administered MAC (52:54:00:..), 256M, accel from {@code UNISWITCH_GUEST_ACCEL}
         * (else AUTO), 120 s boot timeout, console log in a fresh temporary directory, default MTU, root namespace.
         */
        public Options(String tap, Netns netns, String mac, String ipv4Cidr, String memory, Accel accel,
                Duration bootTimeout, Path consoleLog, int mtu) {
            this(tap, netns, mac, ipv4Cidr, memory, accel, bootTimeout, consoleLog, mtu, null, null, false, false);
        }

        public static Options of(String tap, String ipv4Cidr) {
            return new Options(tap, null, randomMac(), ipv4Cidr, "256M", defaultAccel(), Duration.ofSeconds(120),
                    null, 0, null, null, false, false);
        }

        /** As {@link #of}, with the NIC on {@code -netdev stream} to a unix socket instead of a tap. */
        public static Options ofStream(Path socket, String ipv4Cidr) {
            return new Options(null, null, randomMac(), ipv4Cidr, "256M", defaultAccel(), Duration.ofSeconds(120),
                    null, 0, Objects.requireNonNull(socket, "socket"), null, false, false);
        }

        /**
         * As {@link #of}, with the NIC a vhost-user device served at {@code socket} (a uniswitch {@code vhost-user}
         * port): guest RAM in a shared memfd, {@code -netdev vhost-user}, and {@code vectors=0} (INTx), since QEMU 7.2
         * under TCG crashes when a vhost-user virtio-net-pci device starts with MSI-X.
         */
        public static Options ofVhostUser(Path socket, String ipv4Cidr) {
            return new Options(null, null, randomMac(), ipv4Cidr, "256M", defaultAccel(), Duration.ofSeconds(120),
                    null, 0, Objects.requireNonNull(socket, "socket"), null, true, false);
        }

        /** As {@link #of}, with the NIC on {@code -netdev dgram} from {@code local} to {@code remote}. */
        public static Options ofDgram(Path remote, Path local, String ipv4Cidr) {
            return new Options(null, null, randomMac(), ipv4Cidr, "256M", defaultAccel(), Duration.ofSeconds(120),
                    null, 0, Objects.requireNonNull(remote, "remote"), Objects.requireNonNull(local, "local"), false,
                    false);
        }

        /**
         * As {@link #ofVhostUser}, with QEMU the socket's server ({@code server=on,wait=off}: QEMU creates the socket
         * and the back-end connects, a uniswitch {@code vhost-user} port in mode client).
         */
        public static Options ofVhostUserServer(Path socket, String ipv4Cidr) {
            return new Options(null, null, randomMac(), ipv4Cidr, "256M", defaultAccel(), Duration.ofSeconds(120),
                    null, 0, Objects.requireNonNull(socket, "socket"), null, true, true);
        }

        public Options withNetns(Netns ns) {
            return new Options(tap, ns, mac, ipv4Cidr, memory, accel, bootTimeout, consoleLog, mtu,
                    streamSocket, dgramLocal, vhostUser, qemuListens);
        }

        public Options withMac(String newMac) {
            return new Options(tap, netns, newMac, ipv4Cidr, memory, accel, bootTimeout, consoleLog, mtu,
                    streamSocket, dgramLocal, vhostUser, qemuListens);
        }

        public Options withMemory(String newMemory) {
            return new Options(tap, netns, mac, ipv4Cidr, newMemory, accel, bootTimeout, consoleLog, mtu,
                    streamSocket, dgramLocal, vhostUser, qemuListens);
        }

        public Options withAccel(Accel newAccel) {
            return new Options(tap, netns, mac, ipv4Cidr, memory, newAccel, bootTimeout, consoleLog, mtu,
                    streamSocket, dgramLocal, vhostUser, qemuListens);
        }

        public Options withBootTimeout(Duration timeout) {
            return new Options(tap, netns, mac, ipv4Cidr, memory, accel, timeout, consoleLog, mtu,
                    streamSocket, dgramLocal, vhostUser, qemuListens);
        }

        public Options withConsoleLog(Path log) {
            return new Options(tap, netns, mac, ipv4Cidr, memory, accel, bootTimeout, log, mtu,
                    streamSocket, dgramLocal, vhostUser, qemuListens);
        }

        public Options withMtu(int newMtu) {
            return new Options(tap, netns, mac, ipv4Cidr, memory, accel, bootTimeout, consoleLog, newMtu,
                    streamSocket, dgramLocal, vhostUser, qemuListens);
        }

        /** The guest's address without the prefix length. */
        public String ipv4() {
            return ipv4Cidr.substring(0, ipv4Cidr.indexOf('/'));
        }
    }

    private QemuGuest(Options options, Process process, Accel accel, Path qemuLog, boolean tapCreated,
            Duration bootTime) {
        this.options = options;
        this.process = process;
        this.accel = accel;
        this.consoleLog = options.consoleLog();
        this.qemuLog = qemuLog;
        this.tapCreated = tapCreated;
        this.bootTime = bootTime;
    }

    /**
     * Boots a guest and waits for its ready marker.
     *
     * @throws GuestBootException if the guest does not become ready (the message has the console's tail)
     */
    public static QemuGuest start(Options requested) {
        Options opts = requested.consoleLog() != null ? requested : requested.withConsoleLog(temporaryConsoleLog());
        Tools.qemu();
        GuestImage.Image image = GuestImage.image();
        Netns ns = opts.netns();
        boolean tapCreated = false;
        try {
            if (opts.streamSocket() == null) {
                if (!Links.exists(ns, opts.tap())) {
                    Links.tap(ns, opts.tap());
                    tapCreated = true;
                }
                Links.up(ns, opts.tap());
            }
            QemuGuest guest = bootWithAccel(opts, image, tapCreated);
            OPEN.add(guest);
            return guest;
        } catch (RuntimeException e) {
            if (tapCreated) {
                deleteTapQuietly(ns, opts.tap());
            }
            throw e;
        }
    }

    /** "kvm" or "tcg". */
    public String accelUsed() {
        return accel.name().toLowerCase(Locale.ROOT);
    }

    /** QEMU's pid. */
    public long pid() {
        return process.pid();
    }

    public Path consoleLog() {
        return consoleLog;
    }

    /** QEMU's own stdout and stderr. */
    public Path qemuLog() {
        return qemuLog;
    }

    /** Time from starting QEMU to the ready marker. */
    public Duration bootTime() {
        return bootTime;
    }

    public Options options() {
        return options;
    }

    /** The guest's IPv4 address without prefix length. */
    public String ipv4() {
        return options.ipv4();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Kills QEMU by its pid and waits for it; deletes the tap if start created it. Idempotent; never throws. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            Cmd.stop(process, STOP_GRACE);
            if (tapCreated && (options.netns() == null || !options.netns().isClosed())) {
                deleteTapQuietly(options.netns(), options.tap());
            }
        } catch (RuntimeException | Error e) {
            System.err.println("netlab: error while closing guest (pid " + process.pid() + "): " + e);
        } finally {
            OPEN.remove(this);
        }
    }

    /** The cached guest kernel (Debian's vmlinuz), fetching it if needed. */
    public static Path kernel() {
        return GuestImage.kernel();
    }

    /** The cached guest initramfs, building it if its inputs changed. */
    public static Path initramfs() {
        return GuestImage.initramfs();
    }

    /** The cache directory holding kernel and initramfs. */
    public static Path cacheDir() {
        return GuestImage.cacheDir();
    }

    /** True if /dev/kvm exists and opens read-write; says nothing about whether Linux boots under it. */
    public static boolean kvmDeviceUsable() {
        Path kvm = Path.of("/dev/kvm");
        if (!Files.exists(kvm)) {
            return false;
        }
        try (FileChannel channel = FileChannel.open(kvm, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            return channel.isOpen();
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private static QemuGuest bootWithAccel(Options opts, GuestImage.Image image, boolean tapCreated) {
        Accel accel = opts.accel();
        if (accel != Accel.AUTO) {
            return boot(opts, image, accel, opts.bootTimeout(), tapCreated);
        }
        Accel chosen = autoChoice;
        if (chosen == null) {
            synchronized (AUTO_LOCK) {
                if (autoChoice == null) {
                    if (!kvmDeviceUsable()) {
                        autoChoice = Accel.TCG;
                    } else {
                        Duration probe = kvmProbeTimeout();
                        if (probe.compareTo(opts.bootTimeout()) > 0) {
                            probe = opts.bootTimeout();
                        }
                        try {
                            QemuGuest guest = boot(opts, image, Accel.KVM, probe, tapCreated);
                            autoChoice = Accel.KVM;
                            return guest;
                        } catch (GuestBootException e) {
                            System.err.println("netlab: a Linux guest did not boot under KVM within "
                                    + probe.toSeconds() + " s (nested KVM?); using TCG in this process");
                            keepFailedConsole(opts.consoleLog(), ".kvm-attempt");
                            autoChoice = Accel.TCG;
                        }
                    }
                }
                chosen = autoChoice;
            }
        }
        return boot(opts, image, chosen, opts.bootTimeout(), tapCreated);
    }

    private static QemuGuest boot(Options opts, GuestImage.Image image, Accel accel, Duration timeout,
            boolean tapCreated) {
        Path console = opts.consoleLog().toAbsolutePath();
        Path qemuLog = console.resolveSibling(console.getFileName() + ".qemu.log");
        try {
            Files.createDirectories(console.getParent());
            Files.deleteIfExists(console);
            Files.deleteIfExists(qemuLog);
        } catch (IOException e) {
            throw new IllegalStateException("cannot prepare console log " + console, e);
        }
        List<String> argv = qemuArgv(opts, image, accel, console);
        Netns ns = opts.netns();
        long startNs = System.nanoTime();
        Process process = Cmd.start(ns == null ? argv : ns.wrap(argv), qemuLog);
        try {
            awaitReady(process, accel, console, qemuLog, timeout);
        } catch (RuntimeException e) {
            Cmd.stop(process, STOP_GRACE);
            throw e;
        }
        Duration bootTime = Duration.ofNanos(System.nanoTime() - startNs);
        return new QemuGuest(opts, process, accel, qemuLog, tapCreated, bootTime);
    }

    static List<String> qemuArgv(Options opts, GuestImage.Image image, Accel accel, Path console) {
        StringBuilder append = new StringBuilder("console=ttyS0 quiet panic=1 uniswitch.ip=").append(opts.ipv4Cidr());
        if (opts.mtu() != 0) {
            append.append(" uniswitch.mtu=").append(opts.mtu());
        }
        boolean kvm = accel == Accel.KVM;
        List<String> argv = new ArrayList<>(List.of(Tools.qemu(),
                "-name", "uniswitch-guest",
                "-machine", "pc",
                "-accel", kvm ? "kvm" : "tcg",
                "-cpu", kvm ? "host" : "max",
                "-smp", "1",
                "-m", opts.memory(),
                "-nodefaults", "-no-user-config", "-nographic",
                "-monitor", "none",
                "-serial", "file:" + console,
                "-no-reboot",
                "-kernel", image.kernel().toString(),
                "-initrd", image.initramfs().toString(),
                "-append", append.toString(),
                "-netdev", netdev(opts),
                // romfile= skips the iPXE option ROM: nothing boots from the network and it costs TCG time.
                "-device", "virtio-net-pci,netdev=net0,mac=" + opts.mac() + ",romfile="
                        + (opts.vhostUser() ? ",vectors=0" : "")));
        if (opts.vhostUser()) {
            // The back-end maps guest RAM, so it must be a shareable file: a memfd, as the NUMA node's memory.
            argv.addAll(List.of("-object", "memory-backend-memfd,id=mem0,size=" + opts.memory() + ",share=on",
                    "-numa", "node,memdev=mem0",
                    "-chardev", "socket,id=chr0,path=" + opts.streamSocket()
                            + (opts.qemuListens() ? ",server=on,wait=off" : ",reconnect=1")));
        }
        return argv;
    }

    private static String netdev(Options opts) {
        if (opts.vhostUser()) {
            return "vhost-user,id=net0,chardev=chr0";
        }
        if (opts.streamSocket() == null) {
            return "tap,id=net0,ifname=" + opts.tap() + ",script=no,downscript=no,vnet_hdr=off";
        }
        if (opts.dgramLocal() != null) {
            return "dgram,id=net0,local.type=unix,local.path=" + opts.dgramLocal() + ",remote.type=unix,remote.path="
                    + opts.streamSocket();
        }
        // QEMU 7.2 has no reconnect= for stream: a VM whose switch went away is restarted.
        return "stream,id=net0,server=off,addr.type=unix,addr.path=" + opts.streamSocket();
    }

    private static void awaitReady(Process process, Accel accel, Path console, Path qemuLog, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String text = readLatin1(console);
            if (text.contains(GuestImage.READY_MARKER)) {
                return;
            }
            int failed = text.indexOf(GuestImage.FAILED_MARKER);
            if (failed >= 0) {
                int end = text.indexOf('\n', failed);
                throw new GuestBootException("guest init failed: " + text.substring(failed, end < 0
                        ? text.length() : end).strip() + "; console " + console);
            }
            if (!process.isAlive()) {
                throw new GuestBootException("QEMU (" + accel + ") exited with code " + process.exitValue()
                        + " before the guest was ready: " + tail(readLatin1(qemuLog)) + "; console tail: "
                        + tail(text));
            }
            if (System.nanoTime() > deadline) {
                throw new GuestBootException("guest (" + accel + ") not ready within " + timeout.toSeconds()
                        + " s; console tail: " + tail(text) + "; QEMU log: " + tail(readLatin1(qemuLog)));
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new GuestBootException("interrupted while waiting for the guest");
            }
        }
    }

    private static Path temporaryConsoleLog() {
        try {
            return Files.createTempDirectory("netlab-guest-").resolve("console.log");
        } catch (IOException e) {
            throw new IllegalStateException("cannot create a temporary directory for the console log", e);
        }
    }

    private static Duration kvmProbeTimeout() {
        return Duration.ofSeconds(Long.getLong("uniswitch.guest.kvmProbeSeconds", 20));
    }

    private static Accel defaultAccel() {
        String env = System.getenv("UNISWITCH_GUEST_ACCEL");
        if (env == null || env.isBlank()) {
            return Accel.AUTO;
        }
        try {
            return Accel.valueOf(env.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("UNISWITCH_GUEST_ACCEL must be auto, kvm or tcg: " + env, e);
        }
    }

    private static String randomMac() {
        byte[] tail = new byte[3];
        RANDOM.nextBytes(tail);
        return String.format(Locale.ROOT, "52:54:00:%02x:%02x:%02x", tail[0], tail[1], tail[2]);
    }

    private static void keepFailedConsole(Path console, String suffix) {
        try {
            if (Files.exists(console)) {
                Files.move(console, console.resolveSibling(console.getFileName() + suffix),
                        StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            System.err.println("netlab: cannot keep console of the failed attempt: " + e.getMessage());
        }
    }

    private static void deleteTapQuietly(Netns ns, String tap) {
        try {
            Links.delete(ns, tap);
        } catch (RuntimeException e) {
            System.err.println("netlab: cannot delete tap " + tap + ": " + e.getMessage());
        }
    }

    private static String readLatin1(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }

    private static String tail(String text) {
        String stripped = text.replaceAll("\u001b\\[[0-9;?]*[A-Za-z]", "").strip();
        return stripped.length() > 1500 ? "..." + stripped.substring(stripped.length() - 1500) : stripped;
    }
}
