package io.uniswitch.daemon.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.uniswitch.daemon.run.StartException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The control socket: a unix stream socket where each connection carries one request line (a JSON object with a
 * {@code cmd} field) and gets one JSON response line, {@code {"ok":true,"result":...}} or
 * {@code {"ok":false,"error":"..."}}. The socket is owner-only (0600).
 *
 * <p>One accept thread serves requests one at a time; requests are short, and data-plane state is read on the loop
 * thread by the command handlers. A streaming command ({@link Handler#openStream}, e.g. {@code capture}) answers
 * its line on the accept thread and then gets the connection on a thread of its own, at most
 * {@link #MAX_STREAMS} at a time, so it never holds up other requests.
 */
public final class ControlServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ControlServer.class.getName());
    /** A request line longer than this is refused: the socket is local, but a client is still not trusted. */
    static final int MAX_REQUEST_BYTES = 64 * 1024;

    /** Concurrent streaming requests; each holds a thread and a capture ring. */
    static final int MAX_STREAMS = 8;
    private static final long STREAM_JOIN_MS = 3000;

    /** Handles one parsed request and returns its result; throws IllegalArgumentException for a bad request. */
    public interface Handler {
        JsonNode handle(String cmd, JsonNode request);

        /** True when cmd is served by {@link #openStream} instead of {@link #handle}. */
        default boolean isStream(String cmd) {
            return false;
        }

        /**
         * Starts the stream that serves a streaming cmd. Called on the accept thread; throws
         * IllegalArgumentException to refuse the request (nothing is left started then).
         */
        default Stream openStream(String cmd, JsonNode request) {
            throw new IllegalArgumentException("\"" + cmd + "\" is not a streaming command");
        }
    }

    /** A long-lived answer: after its result line, it owns the connection on a thread of its own. */
    public interface Stream {
        /** The result sent in the response line. */
        JsonNode result();

        /** Serves the connection until the client or {@link #stop} ends it, then undoes what it started. */
        void run(SocketChannel channel);

        /** Asks {@link #run} to end soon; any thread. */
        void stop();
    }

    private final Path path;
    private final Handler handler;
    private final ObjectMapper json = new ObjectMapper();
    private ServerSocketChannel server;
    private Thread thread;
    private volatile boolean closed;
    private final java.util.Map<Stream, Thread> streams = new java.util.concurrent.ConcurrentHashMap<>();
    private int streamCount;

    /** A group allowed to use the socket besides its owner (mode 0660), or null for owner-only (0600). */
    private final String group;

    public ControlServer(Path path, Handler handler) {
        this(path, null, handler);
    }

    public ControlServer(Path path, String group, Handler handler) {
        this.path = path;
        this.group = group;
        this.handler = handler;
    }

    /**
     * Fails unless the socket path is free: a live socket means another switch runs there; a stale one (nobody
     * listening) is fine and will be replaced; anything else at the path is an error.
     */
    public static void checkAvailable(Path path) {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        int owner = uidOf(path);
        int self = uidOf(Path.of("/proc/self"));
        if (owner >= 0 && self >= 0 && owner != self) {
            throw new StartException("control socket " + path + " belongs to another user (uid " + owner
                    + "); it is not this switch's to replace: remove it, or set control.socket to another path");
        }
        if (!isSocket(path)) {
            throw new StartException("control socket " + path + ": a file that is not a socket is in the way; "
                    + "remove it or set control.socket to another path");
        }
        boolean live;
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            live = c.isConnected();
        } catch (IOException stale) {
            // Nobody listens: a socket left by a switch that was killed. start() replaces it.
            live = false;
        }
        if (live) {
            throw new StartException("control socket " + path + " is in use: another switch is running there; "
                    + "stop it first or set control.socket to another path");
        }
    }

    private static int uidOf(Path path) {
        try {
            return (Integer) Files.getAttribute(path, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException e) {
            return -1;
        }
    }

    private static boolean isSocket(Path path) {
        try {
            Object mode = Files.getAttribute(path, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS);
            return ((Integer) mode & 0170000) == 0140000;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    public Path path() {
        return path;
    }

    public void start() {
        try {
            Files.createDirectories(path.getParent());
            if (isSocket(path)) {
                Files.deleteIfExists(path);
            }
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(path));
            if (group == null) {
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
            } else {
                java.nio.file.attribute.GroupPrincipal g;
                try {
                    g = path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
                } catch (java.nio.file.attribute.UserPrincipalNotFoundException e) {
                    throw new StartException("control.group \"" + group + "\" is not a group on this system; "
                            + "create it (groupadd " + group + ") or fix the name", e);
                }
                Files.getFileAttributeView(path, java.nio.file.attribute.PosixFileAttributeView.class).setGroup(g);
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
            }
        } catch (StartException e) {
            close();
            throw e;
        } catch (IOException e) {
            close();
            throw new StartException("control socket " + path + ": cannot listen: " + e.getMessage()
                    + "; check that the directory is writable or set control.socket", e);
        }
        thread = new Thread(this::acceptLoop, "uniswitch-control");
        thread.setDaemon(true);
        thread.start();
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel c = null;
            Stream stream = null;
            try {
                c = server.accept();
                stream = serve(c);
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(System.Logger.Level.WARNING, "control socket: " + e.getMessage());
                }
            }
            if (stream != null) {
                startStream(c, stream);
            } else if (c != null) {
                closeQuietly(c);
            }
        }
    }

    private void startStream(SocketChannel c, Stream stream) {
        Thread t = new Thread(() -> {
            try {
                stream.run(c);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "streaming control request failed", e);
            } finally {
                closeQuietly(c);
                streams.remove(stream);
            }
        }, "uniswitch-stream-" + (++streamCount));
        t.setDaemon(true);
        streams.put(stream, t);
        t.start();
        if (closed) {
            stream.stop();
        }
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException e) {
            // Nothing left to tell the client.
        }
    }

    /** Answers one request; returns the stream that now owns the connection, or null when the answer is complete. */
    private Stream serve(SocketChannel c) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(c),
                StandardCharsets.UTF_8));
        OutputStream out = Channels.newOutputStream(c);
        ObjectNode response = json.createObjectNode();
        Stream stream = null;
        try {
            String line = readLine(in);
            JsonNode request = json.readTree(line);
            if (request == null || !request.hasNonNull("cmd")) {
                throw new IllegalArgumentException("request has no \"cmd\"");
            }
            String cmd = request.get("cmd").asText();
            JsonNode result;
            if (handler.isStream(cmd)) {
                if (streams.size() >= MAX_STREAMS) {
                    throw new IllegalStateException("too many streaming requests (" + MAX_STREAMS
                            + ") are running; end one first");
                }
                stream = handler.openStream(cmd, request);
                result = stream.result();
            } else {
                result = handler.handle(cmd, request);
            }
            response.put("ok", true);
            response.set("result", result);
        } catch (IllegalArgumentException | IllegalStateException | com.fasterxml.jackson.core.JacksonException e) {
            response.put("ok", false);
            response.put("error", e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "control request failed", e);
            response.put("ok", false);
            response.put("error", "internal error: " + e);
        }
        try {
            out.write(json.writeValueAsBytes(response));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            if (stream != null) {
                // The client left before its answer: let the stream undo what it started, on this thread.
                stream.stop();
                stream.run(c);
            }
            throw e;
        }
        return stream;
    }

    private static String readLine(BufferedReader in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int ch;
        while ((ch = in.read()) >= 0 && ch != '\n') {
            if (sb.length() >= MAX_REQUEST_BYTES) {
                throw new IllegalArgumentException("request longer than " + MAX_REQUEST_BYTES + " bytes");
            }
            sb.append((char) ch);
        }
        return sb.toString();
    }

    /** Stops accepting and removes the socket file. Idempotent. */
    @Override
    public void close() {
        closed = true;
        try {
            if (server != null) {
                server.close();
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "control socket " + path + ": " + e.getMessage());
        }
        if (thread != null) {
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Stream s : streams.keySet()) {
            s.stop();
        }
        long deadline = System.nanoTime() + STREAM_JOIN_MS * 1_000_000L;
        for (Thread t : streams.values()) {
            try {
                t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000L));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
    }
}
