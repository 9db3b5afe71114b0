package io.uniswitch.daemon.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.uniswitch.daemon.run.StartException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControlServerTest {
    @TempDir
    Path dir;

    private static ControlServer.Handler echo() {
        return (cmd, request) -> {
            if (cmd.equals("boom")) {
                throw new IllegalArgumentException("boom refused");
            }
            return JsonNodeFactory.instance.textNode("did " + cmd);
        };
    }

    @Test
    void answersRequestsAndIsOwnerOnly() throws Exception {
        Path sock = dir.resolve("c.sock");
        ControlServer server = new ControlServer(sock, echo());
        server.start();
        try {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
            ControlClient client = new ControlClient(sock);
            assertEquals("did show", client.call(client.newRequest("show")).asText());
            ControlClient.ControlException e = assertThrows(ControlClient.ControlException.class,
                    () -> client.call(client.newRequest("boom")));
            assertEquals("boom refused", e.getMessage());
            assertFalse(e.unreachable());
        } finally {
            server.close();
        }
        assertFalse(Files.exists(sock), "socket removed on close");
    }

    @Test
    void liveSocketIsRefusedStaleOneReplaced() throws Exception {
        Path sock = dir.resolve("c.sock");
        ControlServer server = new ControlServer(sock, echo());
        server.start();
        try {
            StartException e = assertThrows(StartException.class, () -> ControlServer.checkAvailable(sock));
            assertTrue(e.getMessage().contains("is in use"), e.getMessage());
        } finally {
            server.close();
        }
        // A stale socket file (its server gone without removing it) does not stop a new start.
        java.nio.channels.ServerSocketChannel stale = java.nio.channels.ServerSocketChannel
                .open(java.net.StandardProtocolFamily.UNIX);
        stale.bind(java.net.UnixDomainSocketAddress.of(sock));
        stale.close();
        assertTrue(Files.exists(sock));
        ControlServer.checkAvailable(sock);
        ControlServer again = new ControlServer(sock, echo());
        again.start();
        try {
            ControlClient client = new ControlClient(sock);
            assertEquals("did x", client.call(client.newRequest("x")).asText());
        } finally {
            again.close();
        }
    }

    @Test
    void regularFileInTheWayIsAnError() throws Exception {
        Path f = Files.writeString(dir.resolve("c.sock"), "not a socket");
        StartException e = assertThrows(StartException.class, () -> ControlServer.checkAvailable(f));
        assertTrue(e.getMessage().contains("not a socket"), e.getMessage());
    }

    @Test
    void unreachableSwitch() {
        ControlClient client = new ControlClient(dir.resolve("none.sock"));
        ControlClient.ControlException e = assertThrows(ControlClient.ControlException.class,
                () -> client.call(client.newRequest("show")));
        assertTrue(e.unreachable());
    }
}
