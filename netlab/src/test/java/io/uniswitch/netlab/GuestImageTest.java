package io.uniswitch.netlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GuestImageTest {
    @Test
    void moduleDependsComesFromModinfo() {
        byte[] module = "\u007fELF...\0license=GPL\0depends=virtio_ring,virtio,net_failover\0retpoline=Y\0"
                .getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(List.of("virtio_ring", "virtio", "net_failover"), GuestImage.moduleDepends(module));
        assertEquals(List.of(), GuestImage.moduleDepends("\0depends=\0".getBytes(StandardCharsets.ISO_8859_1)));
        assertEquals(List.of(), GuestImage.moduleDepends(new byte[16]));
    }

    @Test
    void moduleNamesNormalizeDashesAndCompression() {
        assertEquals("virtio_net", GuestImage.moduleName("virtio_net.ko"));
        assertEquals("virtio_net", GuestImage.moduleName("virtio-net.ko.xz"));
        assertEquals("failover", GuestImage.moduleName("failover.ko.zst"));
        assertNull(GuestImage.moduleName("modules.order"));
    }

    @Test
    void resolvesDependenciesFirstAndSkipsBuiltins(@TempDir Path dir) throws IOException {
        Path kernel = Files.createDirectories(dir.resolve("kernel/drivers"));
        Files.write(kernel.resolve("virtio_net.ko"), modinfo("virtio_ring,virtio,net_failover"));
        Files.write(kernel.resolve("net_failover.ko"), modinfo("failover"));
        Files.write(kernel.resolve("failover.ko"), modinfo(""));
        Files.write(kernel.resolve("virtio_pci.ko"), modinfo("virtio_ring,virtio"));
        Files.writeString(dir.resolve("modules.builtin"), "kernel/drivers/virtio/virtio.ko\n"
                + "kernel/drivers/virtio/virtio_ring.ko\n");
        Path out = Files.createDirectories(dir.resolve("out"));
        List<String> order = GuestImage.resolveModules(dir, List.of("virtio_pci", "virtio_net"), out);
        assertEquals(List.of("virtio_pci", "failover", "net_failover", "virtio_net"), order);
        assertTrue(Files.exists(out.resolve("failover.ko")));
        assertThrows(IllegalStateException.class,
                () -> GuestImage.resolveModules(dir, List.of("e1000"), out));
    }

    @Test
    void lddOutputGivesLibraryPathsAndTheLoader() {
        String ldd = "\tlinux-vdso.so.1 (0x00007f8a0f6f2000)\n"
                + "\tlibiperf.so.0 => /lib/x86_64-linux-gnu/libiperf.so.0 (0x00007f8a0f6a8000)\n"
                + "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f8a0f4c6000)\n"
                + "\t/lib64/ld-linux-x86-64.so.2 (0x00007f8a0f6f4000)\n";
        assertEquals(List.of("/lib/x86_64-linux-gnu/libiperf.so.0", "/lib/x86_64-linux-gnu/libc.so.6",
                "/lib64/ld-linux-x86-64.so.2"), GuestImage.parseLdd(ldd));
        assertThrows(IllegalStateException.class, () -> GuestImage.parseLdd("\tlibx.so.1 => not found\n"));
    }

    @Test
    void initScriptLoadsModulesInOrderAndPrintsMarkers() {
        String init = GuestImage.initScript(List.of("failover", "virtio_net"));
        assertTrue(init.startsWith("#!/bin/busybox sh\n"));
        assertTrue(init.contains("for m in failover virtio_net; do"), init);
        assertTrue(init.contains("echo \"UNISWITCH-GUEST-READY ip=$IP"), init);
        assertTrue(init.contains("echo \"UNISWITCH-GUEST-FAILED: $*\""), init);
        assertTrue(init.contains("iperf3 -s -D"), init);
    }

    @Test
    void cpioEntriesAreAlignedAndEndWithTrailer() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Cpio cpio = new Cpio(bytes);
        cpio.directory("/bin", 0755);
        cpio.file("/bin/hello", 0755, "hi\n".getBytes(StandardCharsets.US_ASCII));
        cpio.charDevice("/dev/console", 0600, 5, 1);
        cpio.finish();
        String archive = new String(bytes.toByteArray(), StandardCharsets.ISO_8859_1);
        assertEquals(0, archive.length() % 4);
        // Header: magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor,
        // namesize, check; then the name, NUL, padding to 4.
        assertTrue(archive.startsWith("070701" + "00000001" + "000041ed"), archive.substring(0, 30));
        int file = archive.indexOf("bin/hello\0");
        String fileHeader = archive.substring(file - 110, file);
        assertEquals("000081ed", fileHeader.substring(14, 22));
        assertEquals("00000003", fileHeader.substring(54, 62));
        assertEquals("0000000a", fileHeader.substring(94, 102));
        int data = file + "bin/hello\0".length();
        data += (4 - data % 4) % 4;
        assertEquals("hi\n", archive.substring(data, data + 3));
        int console = archive.indexOf("dev/console\0");
        String deviceHeader = archive.substring(console - 110, console);
        assertEquals("00002180", deviceHeader.substring(14, 22));
        assertEquals("00000005", deviceHeader.substring(78, 86));
        assertEquals("00000001", deviceHeader.substring(86, 94));
        assertTrue(archive.contains("TRAILER!!!\0"));
    }

    private static byte[] modinfo(String depends) {
        return ("\u007fELF\0name=x\0depends=" + depends + "\0vermagic=6.1\0").getBytes(StandardCharsets.ISO_8859_1);
    }
}
