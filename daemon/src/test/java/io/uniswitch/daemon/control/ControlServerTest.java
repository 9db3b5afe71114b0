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
    void aGroupMayBeAllowed() throws Exception {
        Path sock = dir.resolve("g.sock");
        ControlServer server = new ControlServer(sock, "root", echo());
        server.start();
        try {
            assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
            assertEquals("root", Files.readAttributes(sock, java.nio.file.attribute.PosixFileAttributes.class)
                    .group().getName());
        } finally {
            server.close();
        }
        StartException e = assertThrows(StartException.class,
                () -> new ControlServer(dir.resolve("h.sock"), "no-such-group-42", echo()).start());
        assertTrue(e.getMessage().contains("control.group \"no-such-group-42\" is not a group"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("h.sock")), "nothing left behind");
    }

    @Test
    void aSocketOfAnotherUserIsNotReplaced() throws Exception {
        Path sock = dir.resolve("other.sock");
        java.nio.channels.ServerSocketChannel stale = java.nio.channels.ServerSocketChannel
                .open(java.net.StandardProtocolFamily.UNIX);
        stale.bind(java.net.UnixDomainSocketAddress.of(sock));
        stale.close();
        // Owned by "nobody" (65534): changing the owner needs root, as the integration tests do.
        Files.setAttribute(sock, "unix:uid", 65534);
        StartException e = assertThrows(StartException.class, () -> ControlServer.checkAvailable(sock));
        assertTrue(e.getMessage().contains("belongs to another user (uid 65534)"), e.getMessage());
        assertTrue(Files.exists(sock), "left alone");
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
