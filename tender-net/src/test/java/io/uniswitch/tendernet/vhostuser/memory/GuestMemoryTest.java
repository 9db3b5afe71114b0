package io.uniswitch.tendernet.vhostuser.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.util.internal.PlatformDependent;
import io.uniswitch.tap.linux.Fcntl;
import io.uniswitch.tap.linux.Syscall;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Address translation and its bounds, and mapping a region from a real file descriptor. */
class GuestMemoryTest {
    private static final long HOST = 0x5000_0000L;
    private static final GuestMemory.Region LOW = new GuestMemory.Region(0, 0x10_0000, 0x7f00_0000_0000L, 0);
    private static final GuestMemory.Region HIGH = new GuestMemory.Region(0x1_0000_0000L, 0x2000,
            0x7f00_1000_0000L, 0x1000);
    private static final GuestMemory TWO = GuestMemory.over(List.of(LOW, HIGH), new long[] {HOST, HOST + 0x20_0000});

    @TempDir
    Path dir;

    @Test
    void rangesInsideOneRegionTranslateAndEverythingElseIsInvalid() {
        assertEquals(HOST, TWO.translate(0, 1));
        assertEquals(HOST + 0xffff0, TWO.translate(0xffff0, 0x10), "ends exactly at the region end");
        assertEquals(GuestMemory.INVALID, TWO.translate(0xffff0, 0x11), "one byte past the end");
        assertEquals(HOST + 0x20_0000 + 0x10, TWO.translate(0x1_0000_0010L, 0x100));
        assertEquals(GuestMemory.INVALID, TWO.translate(0x10_0000, 1), "the gap between regions");
        assertEquals(GuestMemory.INVALID, TWO.translate(0xffff_ffff_ffff_fff0L, 0x20), "wraps around 2^64");
        assertEquals(GuestMemory.INVALID, TWO.translate(0x10, -1), "negative length");
        assertEquals(HOST + 0x100, TWO.translateUser(0x7f00_0000_0100L, 8));
        assertEquals(GuestMemory.INVALID, TWO.translateUser(0x100, 8), "a guest-physical address is no user address");
    }

    @Property(tries = 2000)
    void noTranslationLeavesTheRegions(@ForAll long address, @ForAll long length) {
        long host = TWO.translate(address, length);
        if (host != GuestMemory.INVALID) {
            boolean inLow = host >= HOST && host + length <= HOST + 0x10_0000;
            boolean inHigh = host >= HOST + 0x20_0000 && host + length <= HOST + 0x20_2000;
            assertTrue(length >= 0 && (inLow || inHigh), "0x" + Long.toHexString(address) + "+" + length);
        }
    }

    @Test
    void badTablesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> GuestMemory.check(List.of()));
        assertThrows(IllegalArgumentException.class, () -> GuestMemory.check(
                List.of(new GuestMemory.Region(0, 0, 0, 0))), "zero size");
        assertThrows(IllegalArgumentException.class, () -> GuestMemory.check(
                List.of(new GuestMemory.Region(-4096, 8192, 0, 0))), "wraps");
        assertThrows(IllegalArgumentException.class, () -> GuestMemory.check(
                List.of(LOW, new GuestMemory.Region(0x8_0000, 0x1000, 0x7f01_0000_0000L, 0))), "overlap");
        assertThrows(IllegalArgumentException.class, () -> GuestMemory.check(java.util.Collections.nCopies(9,
                LOW)), "too many");
    }

    @Test
    void aRegionIsMappedFromItsFileDescriptorAtItsOffset() throws Exception {
        Path file = dir.resolve("guest-ram");
        byte[] content = new byte[0x3000];
        content[0x1000] = 42;
        content[0x2fff] = 7;
        Files.write(file, content);
        int fd = Syscall.LIBC.open(file.toString(), Fcntl.O_RDWR);
        assertTrue(fd >= 0);
        try (GuestMemory m = GuestMemory.map("vm0", List.of(HIGH), new int[] {fd})) {
            long host = m.translate(0x1_0000_0000L, 0x2000);
            assertEquals(42, PlatformDependent.getByte(host), "mmap_offset 0x1000 skipped");
            assertEquals(7, PlatformDependent.getByte(host + 0x1fff));
            PlatformDependent.putByte(host + 1, (byte) 99);
        } finally {
            Syscall.LIBC.close(fd);
        }
        assertEquals(99, Files.readAllBytes(file)[0x1001], "MAP_SHARED: writes reach the file");
    }

    @Test
    void aFileShorterThanItsRegionIsRefusedRatherThanFaultingLater() throws Exception {
        Path file = dir.resolve("short-ram");
        Files.write(file, new byte[0x1000]);
        int fd = Syscall.LIBC.open(file.toString(), Fcntl.O_RDWR);
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> GuestMemory.map("vm0", List.of(HIGH), new int[] {fd}));
            assertTrue(e.getMessage().contains("declares 12288 bytes but its file holds 4096"), e.getMessage());
        } finally {
            Syscall.LIBC.close(fd);
        }
    }
}
