package io.uniswitch.daemon.systemd;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.Socket;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Tells systemd what the service is doing, by the sd_notify protocol: each message is one AF_UNIX datagram of
 * newline-separated {@code NAME=value} assignments, sent to the socket that {@code $NOTIFY_SOCKET} names (a path, or
 * an abstract name written with a leading {@code @}, sent as a leading NUL and exactly the name's length, as
 * systemd's own sd_notify does).
 *
 * <p>Without {@code $NOTIFY_SOCKET} (not started by systemd, or not {@code Type=notify}) every method does nothing.
 * Sending is best effort: a failure is logged once (again only after a send succeeded in between) and never thrown,
 * so notification can never stop the switch. Under {@code Type=notify} a lost {@code READY=1} makes systemd time the
 * start out, and lost watchdog pings make it restart the service; the log line says so.
 *
 * <p>Thread-safe: the socket is one unconnected, non-blocking datagram socket that every thread sends on (each
 * datagram is sent whole or not at all). The socket comes from Netty's native transport, which is on the classpath
 * anyway; the JDK's own channels have no datagram or abstract unix sockets.
 *
 * <p>systemd 252 (Debian 12) understands READY, STATUS, STOPPING, RELOADING and WATCHDOG. {@code MONOTONIC_USEC},
 * which {@link #reloading()} adds for {@code Type=notify-reload} (systemd 253 and later), is ignored by 252 as every
 * unknown assignment is.
 */
public final class SdNotify implements AutoCloseable {
    static final String NOTIFY_SOCKET = "NOTIFY_SOCKET";
    static final String WATCHDOG_USEC = "WATCHDOG_USEC";
    static final String WATCHDOG_PID = "WATCHDOG_PID";
    /**
     * The variables systemd passes to this service alone. Remove them from the environment of any process the switch
     * starts (a tender, say): with them, a child could ping the watchdog or report READY in the switch's name.
     */
    public static final List<String> ENVIRONMENT = List.of(NOTIFY_SOCKET, WATCHDOG_USEC, WATCHDOG_PID);
    /** {@code sizeof(struct sockaddr_un.sun_path)} on Linux. */
    static final int SUN_PATH_BYTES = 108;

    private static final System.Logger LOG = System.getLogger(SdNotify.class.getName());
    private static final SdNotify DISABLED = new SdNotify(null, null, null);

    /** $NOTIFY_SOCKET as given, for log lines; null when disabled. */
    private final String target;
    /** sun_path bytes: a path, or NUL and an abstract name. */
    private final byte[] address;
    private final Socket socket;
    private final AtomicBoolean failing = new AtomicBoolean();
    /** Guarded by this: a send never overlaps the close, so it cannot write to a reused fd number. */
    private boolean closed;

    private SdNotify(String target, byte[] address, Socket socket) {
        this.target = target;
        this.address = address;
        this.socket = socket;
    }

    /** The notifier for this process: from {@code $NOTIFY_SOCKET}, or one that does nothing when it is unset. */
    public static SdNotify fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /** As {@link #fromEnvironment()}, from the given environment (tests cannot set the process's own). */
    static SdNotify fromEnvironment(Map<String, String> env) {
        String target = env.get(NOTIFY_SOCKET);
        if (target == null || target.isEmpty()) {
            return DISABLED;
        }
        byte[] address = address(target);
        if (address == null) {
            LOG.log(System.Logger.Level.WARNING, "$" + NOTIFY_SOCKET + "=" + target + " is neither an absolute path of "
                    + "less than " + SUN_PATH_BYTES + " bytes nor an abstract @name; systemd will not hear from this "
                    + "service (READY, STATUS, watchdog)");
            return DISABLED;
        }
        Socket socket;
        try {
            Epoll.ensureAvailability();
            socket = Socket.newSocketDomainDgram();
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot open a unix datagram socket for sd_notify (" + e
                    + "); systemd will not hear from this service (READY, STATUS, watchdog)");
            return DISABLED;
        }
        return new SdNotify(target, address, socket);
    }

    /**
     * The sun_path bytes for a $NOTIFY_SOCKET value, or null if it is not one this class can send to: systemd gives
     * an absolute path, or an abstract name as {@code @name}. ({@code vsock:} addresses of systemd 254 and later
     * are for virtual machines; the switch is never run in one by a host's systemd.)
     */
    static byte[] address(String target) {
        byte[] bytes = target.getBytes(StandardCharsets.UTF_8);
        if (bytes.length < 2) {
            return null;
        }
        if (bytes[0] == '@' && bytes.length <= SUN_PATH_BYTES) {
            bytes[0] = 0;
            return bytes;
        }
        // A path needs room for its terminating NUL.
        return bytes[0] == '/' && bytes.length < SUN_PATH_BYTES ? bytes : null;
    }

    /** True if messages go to a socket (systemd asked for them); false if every method does nothing. */
    public boolean enabled() {
        return socket != null;
    }

    /** Start-up (or a reload) is complete: every port is up and the control socket answers. */
    public boolean ready() {
        return send("READY=1");
    }

    /** A one-line status for {@code systemctl status}; line breaks are replaced by spaces. */
    public boolean status(String text) {
        return send("STATUS=" + text.replace('\n', ' ').replace('\r', ' '));
    }

    /** The service is stopping; sent first thing on SIGTERM so systemd shows "deactivating". */
    public boolean stopping() {
        return send("STOPPING=1");
    }

    /**
     * A reload starts; send {@link #ready()} when it is done. Carries {@code MONOTONIC_USEC}, the CLOCK_MONOTONIC
     * time in microseconds, which {@code Type=notify-reload} (systemd 253 and later) needs to match this message to
     * the reload signal it sent. HotSpot on Linux reads {@link System#nanoTime()} from CLOCK_MONOTONIC.
     */
    public boolean reloading() {
        return send("RELOADING=1\nMONOTONIC_USEC=" + System.nanoTime() / 1000);
    }

    /** Keep-alive for {@code WatchdogSec=}; see {@link Watchdog}, which sends it only while the switch is healthy. */
    public boolean watchdog() {
        return send("WATCHDOG=1");
    }

    /**
     * Sends one message of {@code NAME=value} lines as one datagram.
     *
     * @return true if the datagram was sent; false if disabled, closed or the send failed (logged, never thrown)
     */
    public boolean send(String message) {
        if (socket == null) {
            return false;
        }
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocateDirect(bytes.length);
        buf.put(bytes).flip();
        String problem;
        try {
            int sent = sendLocked(buf, bytes.length);
            if (sent == bytes.length) {
                if (failing.compareAndSet(true, false)) {
                    LOG.log(System.Logger.Level.INFO, "sd_notify to " + target + " works again");
                }
                return true;
            }
            if (sent < 0) {
                return false;
            }
            // Netty returns 0 for EAGAIN: systemd's queue for this socket is full.
            problem = sent == 0 ? "the queue is full (EAGAIN)" : "sent " + sent + " of " + bytes.length + " bytes";
        } catch (FileNotFoundException e) {
            problem = "no socket at that path (ENOENT)";
        } catch (IOException | RuntimeException e) {
            problem = e.getMessage() == null ? e.toString() : e.getMessage();
        }
        int lineEnd = message.indexOf('\n');
        String what = lineEnd < 0 ? message : message.substring(0, lineEnd);
        if (failing.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.WARNING, "sd_notify to " + target + " failed (" + what + "): " + problem
                    + "; systemd may time out the start, or restart the service for missed watchdog pings. Further "
                    + "failures are logged at debug level until a send succeeds");
        } else {
            LOG.log(System.Logger.Level.DEBUG, "sd_notify to " + target + " failed (" + what + "): " + problem);
        }
        return false;
    }

    /** One sendto; -1 once closed. The socket is non-blocking, so the lock is never held for long. */
    private synchronized int sendLocked(ByteBuffer buf, int length) throws IOException {
        if (closed) {
            return -1;
        }
        return socket.sendToDomainSocket(buf, 0, length, address);
    }

    /**
     * The watchdog interval systemd expects pings within ({@code WatchdogSec=}), or empty when there is none: when
     * {@code $WATCHDOG_USEC} is unset or not a positive number, or {@code $WATCHDOG_PID} names another process (a
     * child that inherited the variables).
     */
    public static Optional<Duration> watchdogInterval() {
        return watchdogInterval(System.getenv(), ProcessHandle.current().pid());
    }

    /** As {@link #watchdogInterval()}, from the given environment and for the given pid. */
    static Optional<Duration> watchdogInterval(Map<String, String> env, long pid) {
        String usec = env.get(WATCHDOG_USEC);
        if (usec == null) {
            return Optional.empty();
        }
        String watchdogPid = env.get(WATCHDOG_PID);
        try {
            if (watchdogPid != null && Long.parseLong(watchdogPid.trim()) != pid) {
                return Optional.empty();
            }
            long micros = Long.parseLong(usec.trim());
            return micros > 0 ? Optional.of(Duration.ofNanos(Math.multiplyExact(micros, 1000L))) : Optional.empty();
        } catch (NumberFormatException | ArithmeticException e) {
            LOG.log(System.Logger.Level.WARNING, "ignoring the watchdog: $" + WATCHDOG_USEC + "=" + usec + ", $"
                    + WATCHDOG_PID + "=" + watchdogPid + " are not numbers");
            return Optional.empty();
        }
    }

    /** Closes the socket; later messages are not sent. Idempotent. */
    @Override
    public synchronized void close() {
        if (socket == null || closed) {
            return;
        }
        closed = true;
        try {
            socket.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing the sd_notify socket: " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return socket == null ? "sd_notify (off)" : "sd_notify to " + target;
    }
}
