package io.uniswitch.daemon.systemd;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.DomainDatagramSocketAddress;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What systemd is at the other end of $NOTIFY_SOCKET: an AF_UNIX datagram socket bound to a path or to an abstract
 * name (bound with exactly the name's length, as systemd binds it). Test code; reads by polling the non-blocking
 * socket with a bounded wait.
 */
final class NotifyReceiver implements AutoCloseable {
    private static final long POLL_MS = 2;
    private final Socket socket;
    /** The value $NOTIFY_SOCKET would have: the path, or "@name". */
    private final String notifySocket;
    private final ByteBuffer buf = ByteBuffer.allocateDirect(4096);

    private NotifyReceiver(Socket socket, String notifySocket) {
        this.socket = socket;
        this.notifySocket = notifySocket;
    }

    /** Binds to a filesystem path. */
    static NotifyReceiver atPath(java.nio.file.Path path) throws IOException {
        return bind(path.toString(), path.toString());
    }

    /** Binds to the abstract name (without the leading NUL or @). */
    static NotifyReceiver abstractName(String name) throws IOException {
        return bind("\0" + name, "@" + name);
    }

    private static NotifyReceiver bind(String sunPath, String notifySocket) throws IOException {
        Epoll.ensureAvailability();
        Socket s = Socket.newSocketDomainDgram();
        try {
            s.bind(new DomainSocketAddress(sunPath));
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        return new NotifyReceiver(s, notifySocket);
    }

    String notifySocket() {
        return notifySocket;
    }

    /** The next datagram as text, or null if none arrives within {@code wait}. */
    String poll(Duration wait) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            buf.clear();
            DomainDatagramSocketAddress from = socket.recvFromDomainSocket(buf, 0, buf.capacity());
            if (from != null) {
                byte[] bytes = new byte[from.receivedAmount()];
                buf.get(0, bytes);
                return new String(bytes, StandardCharsets.UTF_8);
            }
            if (System.nanoTime() - deadline >= 0) {
                return null;
            }
            Thread.sleep(POLL_MS);
        }
    }

    /** Every datagram that arrives within {@code window}, in order. */
    List<String> drain(Duration window) throws IOException, InterruptedException {
        List<String> out = new ArrayList<>();
        long deadline = System.nanoTime() + window.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return out;
            }
            String m = poll(Duration.ofNanos(left));
            if (m != null) {
                out.add(m);
            }
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
