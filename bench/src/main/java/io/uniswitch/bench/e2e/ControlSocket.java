package io.uniswitch.bench.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * One request to a running uniswitch's control socket, as its CLI sends it: a JSON line {@code {"cmd": ...}} out, a
 * JSON line {@code {"ok":true,"result":...}} or {@code {"ok":false,"error":"..."}} back. Saves a JVM start per FDB
 * flush or count; the bench has no JSON library, and needs none for the two fields it reads. Any thread.
 */
final class ControlSocket {
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(30);
    private static final int MAX_RESPONSE_BYTES = 64 << 20;

    private ControlSocket() {
    }

    /** Sends {@code {"cmd": cmd}} and returns the response line; throws when the switch reports an error. */
    static String request(Path socket, String cmd) throws IOException {
        if (!cmd.matches("[a-z-]+")) {
            throw new IllegalArgumentException("bad command: " + cmd);
        }
        long deadline = System.nanoTime() + TIMEOUT_NS;
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer out = ByteBuffer.wrap(("{\"cmd\":\"" + cmd + "\"}\n").getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                c.write(out);
            }
            // Blocking reads: the switch answers within its own bounded call; the deadline guards a looping peer.
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            ByteBuffer in = ByteBuffer.allocate(64 * 1024);
            while (System.nanoTime() < deadline && line.size() < MAX_RESPONSE_BYTES) {
                in.clear();
                int n = c.read(in);
                if (n < 0) {
                    break;
                }
                int end = -1;
                for (int i = 0; i < n; i++) {
                    if (in.get(i) == '\n') {
                        end = i;
                        break;
                    }
                }
                line.write(in.array(), 0, end >= 0 ? end : n);
                if (end >= 0) {
                    break;
                }
            }
            String response = line.toString(StandardCharsets.UTF_8);
            if (!response.startsWith("{\"ok\":true")) {
                throw new IOException("uniswitch " + cmd + ": " + response);
            }
            return response;
        }
    }

    /** The integer value of the first {@code "name":N} in a response; -1 when there is none. */
    static long number(String response, String name) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + name + "\":(\\d+)").matcher(response);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }
}
