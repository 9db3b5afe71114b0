package io.uniswitch.tap.linux;

import static io.uniswitch.tap.linux.Syscall.LIBC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.uniswitch.tap.TestNet;
import java.lang.reflect.Method;
import java.util.Arrays;
import jnr.ffi.Pointer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One test per jnr-ffi binding in {@link LibC}: each checks that arguments arrive (an effect the kernel shows)
 * and that errno comes back, because jnr-ffi can silently pass garbage (issue #181).
 */
class LibCTest {
    @BeforeAll
    static void prerequisites() {
        TestNet.requireRootAndTun();
    }

    @Test
    void noBindingHasSixPrimitiveParameters() {
        for (Method method : LibC.class.getMethods()) {
            final Class<?>[] types = method.getParameterTypes();
            final boolean allPrimitive = Arrays.stream(types).allMatch(Class::isPrimitive);
            assertFalse(types.length == 6 && allPrimitive, method + " hits jnr-ffi issue #181 (6th argument "
                    + "corrupted); add a Pointer parameter");
        }
    }

    @Test
    void openAndCloseReportErrno() {
        final int fd = LIBC.open("/dev/null", Fcntl.O_RDWR | Fcntl.O_CLOEXEC);
        assertTrue(fd >= 0, "open /dev/null: errno " + Syscall.errno());
        assertEquals(0, LIBC.close(fd));
        assertEquals(-1, LIBC.close(fd));
        assertEquals(Errno.EBADF, Syscall.errno());
        assertEquals(-1, LIBC.open("/nonexistent/uniswitch", Fcntl.O_RDONLY));
        assertEquals(Errno.ENOENT, Syscall.errno());
    }

    @Test
    void readAndWritePassAddressAndLength() {
        final Pointer buf = Syscall.allocate(64);
        for (int i = 0; i < 64; i++) {
            buf.putByte(i, (byte) 0x5a);
        }
        final int zero = LIBC.open("/dev/zero", Fcntl.O_RDONLY | Fcntl.O_CLOEXEC);
        try {
            assertEquals(40, LIBC.read(zero, buf.address() + 8, 40));
        } finally {
            LIBC.close(zero);
        }
        assertEquals(0x5a, buf.getByte(7));
        assertEquals(0, buf.getByte(8));
        assertEquals(0, buf.getByte(47));
        assertEquals(0x5a, buf.getByte(48));

        final int devNull = LIBC.open("/dev/null", Fcntl.O_WRONLY | Fcntl.O_CLOEXEC);
        try {
            assertEquals(33, LIBC.write(devNull, buf.address(), 33));
        } finally {
            LIBC.close(devNull);
        }
        assertEquals(-1, LIBC.write(devNull, buf.address(), 1));
        assertEquals(Errno.EBADF, Syscall.errno());
    }

    @Test
    void ioctlWithPointerAndWithValue() {
        final String name = TestNet.uniqueName("ustL");
        final int fd = LIBC.open("/dev/net/tun", Fcntl.O_RDWR | Fcntl.O_CLOEXEC);
        assertTrue(fd >= 0);
        try {
            final Pointer features = Syscall.allocate(4);
            assertEquals(0, LIBC.ioctl(fd, IfTun.TUNGETFEATURES, features));
            final int wanted = IfTun.IFF_TAP | IfTun.IFF_NO_PI | IfTun.IFF_VNET_HDR | IfTun.IFF_MULTI_QUEUE;
            assertEquals(wanted, features.getInt(0) & wanted);

            final Pointer ifr = If.ifreq(name);
            ifr.putShort(If.IFR_IFRU, (short) (IfTun.IFF_TAP | IfTun.IFF_NO_PI));
            assertEquals(0, LIBC.ioctl(fd, IfTun.TUNSETIFF, ifr), "TUNSETIFF errno " + Syscall.errno());
            assertEquals("0x1002", TestNet.sysfs(name, "tun_flags"));

            final Pointer got = Syscall.allocate(If.IFREQ_SIZE);
            assertEquals(0, LIBC.ioctl(fd, IfTun.TUNGETIFF, got));
            assertEquals(name, If.ifrName(got));

            // By value: the kernel would read a pointer as a huge uid, so owner 4242 proves the value arrives.
            assertEquals(0, LIBC.ioctl(fd, IfTun.TUNSETOWNER, 4242L));
            assertEquals("4242", TestNet.sysfs(name, "owner"));
            assertEquals(0, LIBC.ioctl(fd, IfTun.TUNSETPERSIST, 1L));
            assertEquals("0x1802", TestNet.sysfs(name, "tun_flags"));
            assertEquals(0, LIBC.ioctl(fd, IfTun.TUNSETPERSIST, 0L));
            assertEquals("0x1002", TestNet.sysfs(name, "tun_flags"));

            // The tun character device rejects requests it does not know with EINVAL.
            assertEquals(-1, LIBC.ioctl(fd, Sockios.SIOCGIFMTU, ifr));
            assertEquals(Errno.EINVAL, Syscall.errno());
        } finally {
            LIBC.close(fd);
            TestNet.deleteQuietly(name);
        }
        assertFalse(TestNet.linkExists(name));
        assertEquals(-1, LIBC.ioctl(fd, IfTun.TUNSETPERSIST, 0L));
        assertEquals(Errno.EBADF, Syscall.errno());
    }

    @Test
    void socketBindSetsockoptGetsockopt() {
        final int fd = LIBC.socket(SysSocket.AF_PACKET, SysSocket.SOCK_RAW | SysSocket.SOCK_CLOEXEC, 0);
        assertTrue(fd >= 0, "socket errno " + Syscall.errno());
        try {
            final Pointer value = Syscall.allocate(4);
            final Pointer length = Syscall.allocate(4);
            value.putInt(0, 100_000);
            assertEquals(0, LIBC.setsockopt(fd, SysSocket.SOL_SOCKET, SysSocket.SO_RCVBUF, value, 4));
            value.putInt(0, 0);
            length.putInt(0, 4);
            assertEquals(0, LIBC.getsockopt(fd, SysSocket.SOL_SOCKET, SysSocket.SO_RCVBUF, value, length));
            assertEquals(200_000, value.getInt(0), "the kernel doubles SO_RCVBUF");
            assertEquals(4, length.getInt(0));

            final Pointer sll = Syscall.allocate(IfPacket.SOCKADDR_LL_SIZE);
            sll.putShort(IfPacket.SLL_FAMILY, (short) SysSocket.AF_PACKET);
            sll.putShort(IfPacket.SLL_PROTOCOL, (short) IfEther.htons(IfEther.ETH_P_ALL));
            sll.putInt(IfPacket.SLL_IFINDEX, 1);
            assertEquals(0, LIBC.bind(fd, sll, IfPacket.SOCKADDR_LL_SIZE), "bind errno " + Syscall.errno());
            sll.putInt(IfPacket.SLL_IFINDEX, Integer.MAX_VALUE);
            assertEquals(-1, LIBC.bind(fd, sll, IfPacket.SOCKADDR_LL_SIZE));
            assertEquals(Errno.ENODEV, Syscall.errno());
        } finally {
            LIBC.close(fd);
        }
        assertEquals(-1, LIBC.socket(SysSocket.AF_PACKET, 99, 0));
        assertEquals(Errno.EINVAL, Syscall.errno());
    }

    @Test
    void htonsSwapsBytes() {
        assertEquals(0x0300, IfEther.htons(IfEther.ETH_P_ALL));
        assertEquals(0xB588, IfEther.htons(0x88B5));
    }

    @Test
    void mmapPassesItsSixthArgumentTheOffset() throws Exception {
        final java.nio.file.Path file = java.nio.file.Files.createTempFile("uniswitch-mmap", ".bin");
        try {
            final byte[] contents = new byte[8192];
            contents[4096] = 0x5a;
            contents[4097] = 0x3c;
            java.nio.file.Files.write(file, contents);
            final int fd = LIBC.open(file.toString(), Fcntl.O_RDONLY | Fcntl.O_CLOEXEC);
            assertTrue(fd >= 0);
            try {
                final long address = LIBC.mmap(null, 4096, Mman.PROT_READ, Mman.MAP_SHARED, fd, 4096);
                assertTrue(address != Mman.MAP_FAILED, "mmap: errno " + Syscall.errno());
                final Pointer mapped = Pointer.wrap(Syscall.RUNTIME, address);
                assertEquals(0x5a, mapped.getByte(0), "the offset (6th argument) arrived");
                assertEquals(0x3c, mapped.getByte(1));
                assertEquals(0, LIBC.munmap(address, 4096));
                assertEquals(Mman.MAP_FAILED, LIBC.mmap(null, 4096, Mman.PROT_READ, Mman.MAP_SHARED, fd, 100));
                assertEquals(Errno.EINVAL, Syscall.errno(), "unaligned offset");
            } finally {
                LIBC.close(fd);
            }
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
    }

    @Test
    void sendmmsgReportsErrno() {
        assertEquals(-1, LIBC.sendmmsg(-1, 0, 1, 0));
        assertEquals(Errno.EBADF, Syscall.errno());
    }
}
