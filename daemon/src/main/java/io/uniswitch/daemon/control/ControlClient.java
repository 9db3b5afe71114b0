package io.uniswitch.daemon.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Sends one request to a switch's control socket and returns its result. */
public final class ControlClient {
    private final Path path;
    private final ObjectMapper json = new ObjectMapper();

    public ControlClient(Path path) {
        this.path = path;
    }

    /** A failure to reach the switch or an error it reported; the message is meant for the user. */
    public static final class ControlException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final boolean unreachable;

        ControlException(String message, boolean unreachable) {
            super(message);
            this.unreachable = unreachable;
        }

        /** True when no switch answered (as opposed to a switch that refused the request). */
        public boolean unreachable() {
            return unreachable;
        }
    }

    public ObjectNode newRequest(String cmd) {
        ObjectNode r = json.createObjectNode();
        r.put("cmd", cmd);
        return r;
    }

    /** A streaming request's connection after its answer: read the stream from {@link #in()}. */
    public record Stream(SocketChannel channel, InputStream in, JsonNode result) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    /**
     * Sends a streaming request (e.g. {@code capture}) and reads its answer line; on success the connection stays
     * open and the caller owns it.
     */
    public Stream openStream(ObjectNode request) {
        if (!Files.exists(path)) {
            throw new ControlException("no switch is running with control socket " + path
                    + " (start one with `uniswitch run --config FILE`, or pass --socket)", true);
        }
        SocketChannel c = null;
        try {
            c = SocketChannel.open(StandardProtocolFamily.UNIX);
            c.connect(UnixDomainSocketAddress.of(path));
            OutputStream out = Channels.newOutputStream(c);
            out.write(json.writeValueAsBytes(request));
            out.write('\n');
            out.flush();
            InputStream in = new BufferedInputStream(Channels.newInputStream(c), 64 * 1024);
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0 && b != '\n') {
                line.write(b);
            }
            if (b < 0) {
                throw new ControlException("the switch at " + path + " closed the connection without answering",
                        false);
            }
            JsonNode response = json.readTree(line.toByteArray());
            if (!response.path("ok").asBoolean(false)) {
                throw new ControlException(response.path("error").asText("unknown error"), false);
            }
            Stream s = new Stream(c, in, response.get("result"));
            c = null;
            return s;
        } catch (IOException e) {
            throw new ControlException("cannot reach the switch at " + path + ": " + e.getMessage()
                    + " (is it running? `uniswitch run --config FILE`; as root?)", true);
        } finally {
            if (c != null) {
                try {
                    c.close();
                } catch (IOException e) {
                    // Already failing; the first error is the one to report.
                }
            }
        }
    }

    public JsonNode call(ObjectNode request) {
        if (!Files.exists(path)) {
            throw new ControlException("no switch is running with control socket " + path
                    + " (start one with `uniswitch run --config FILE`, or pass --socket)", true);
        }
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(path));
            OutputStream out = Channels.newOutputStream(c);
            out.write(json.writeValueAsBytes(request));
            out.write('\n');
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(c),
                    StandardCharsets.UTF_8));
            String line = in.readLine();
            if (line == null) {
                throw new ControlException("the switch at " + path + " closed the connection without answering", false);
            }
            JsonNode response = json.readTree(line);
            if (!response.path("ok").asBoolean(false)) {
                throw new ControlException(response.path("error").asText("unknown error"), false);
            }
            return response.get("result");
        } catch (IOException e) {
            throw new ControlException("cannot reach the switch at " + path + ": " + e.getMessage()
                    + " (is it running? `uniswitch run --config FILE`; as root?)", true);
        }
    }
}
