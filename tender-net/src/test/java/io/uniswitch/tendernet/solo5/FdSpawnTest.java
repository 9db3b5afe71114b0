package io.uniswitch.tendernet.solo5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.uniswitch.tap.device.SocketPair;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * posix_spawn with a passed descriptor: what the child gets (the descriptor at 3, /dev/null as stdin, nothing else of
 * this process's), and every supervisor test of {@link TenderSupervisorTest} again through this launcher. Needs
 * CAP_NET_ADMIN for the socketpair's forced buffers (root in CI).
 */
class FdSpawnTest extends TenderSupervisorTest {
    private SocketPair pair;

    @BeforeEach
    void openPair() {
        pair = SocketPair.open("spawn-test", 1 << 20, 1 << 20);
    }

    @AfterEach
    void closePair() {
        pair.close();
    }

    @Override
    TenderProcess.Launcher launcher() {
        return new FdSpawn(pair.remoteFd(), 3);
    }

    private static String run(TenderProcess p) throws Exception {
        String out = new String(p.output().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "exited");
        return out;
    }

    @Test
    void theChildWritesFramesToDescriptorThree() throws Exception {
        TenderProcess p = launcher().launch(List.of("/bin/sh", "-c", "printf frame1 >&3; printf frame22 >&3"));
        run(p);
        assertEquals(0, p.waitFor());
        ByteBuf dst = Unpooled.directBuffer(64, 64);
        try {
            assertEquals(6, pair.read(dst), "one message per write: boundaries kept");
            assertEquals(7, pair.read(dst));
            assertEquals("frame1frame22", dst.toString(StandardCharsets.US_ASCII));
        } finally {
            dst.release();
        }
    }

    @Test
    void theChildGetsDevNullAsStdinAndNoOtherDescriptorOfOurs() throws Exception {
        int local = pair.localFd();
        // A descriptor without close-on-exec, as the JDK's NIO unix sockets are: posix_spawn would pass it on.
        int inheritable = io.uniswitch.tap.linux.Syscall.LIBC.open("/dev/null", 0);
        assertTrue(inheritable > 3);
        try {
            TenderProcess p = launcher().launch(List.of("/bin/sh", "-c", "readlink /proc/self/fd/0; "
                    + "for fd in " + local + " " + inheritable + "; do if [ -e /proc/$$/fd/$fd ]; then "
                    + "echo leaked $fd; fi; done; echo clean; echo err >&2"));
            assertEquals("/dev/null\nclean\nerr\n", run(p));
        } finally {
            io.uniswitch.tap.linux.Syscall.LIBC.close(inheritable);
        }
    }

    @Test
    void aSignalEndsWithStatus128PlusItsNumberAndArgumentsArriveIntact() throws Exception {
        TenderProcess p = launcher().launch(List.of("/bin/sh", "-c", "echo \"$1|$2\"; kill -9 $$", "sh",
                "--net:service=@3", "two words"));
        assertEquals("--net:service=@3|two words\n", run(p));
        assertEquals(128 + 9, p.waitFor());
    }

    @Test
    void theEnvironmentIsPassedAndPathSearched() throws Exception {
        TenderProcess p = launcher().launch(List.of("sh", "-c", "echo \"$HOME\""));
        assertEquals(System.getenv().getOrDefault("HOME", "") + "\n", run(p));
    }

    @Test
    void aMissingProgramNamesItselfAndTheErrno() {
        IOException e = assertThrows(IOException.class,
                () -> launcher().launch(List.of("/nonexistent/uniswitch-tender")));
        assertTrue(e.getMessage().contains("/nonexistent/uniswitch-tender") && e.getMessage().contains("ENOENT"),
                e.getMessage());
    }

    @Test
    void descriptorsBelowThreeAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new FdSpawn(pair.remoteFd(), 1));
    }
}
