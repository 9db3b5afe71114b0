package io.uniswitch.netlab;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Writes a cpio archive in the "newc" format the kernel unpacks as an initramfs, so building the guest needs no
 * cpio binary. Entries are written in the order given: a directory must come before what it contains. Owner is root
 * and mtime 0, so the same inputs give the same bytes. Not thread-safe; the caller owns and closes the stream.
 */
final class Cpio {
    static final int S_IFDIR = 0040000;
    static final int S_IFREG = 0100000;
    static final int S_IFLNK = 0120000;
    static final int S_IFCHR = 0020000;
    static final String TRAILER = "TRAILER!!!";
    private static final byte[] PADDING = new byte[4];

    private final OutputStream out;
    private long written;
    private int nextInode = 1;

    Cpio(OutputStream out) {
        this.out = out;
    }

    void directory(String path, int permissions) throws IOException {
        entry(path, S_IFDIR | permissions, 2, 0, 0, new byte[0]);
    }

    void file(String path, int permissions, byte[] content) throws IOException {
        entry(path, S_IFREG | permissions, 1, 0, 0, content);
    }

    void symlink(String path, String target) throws IOException {
        entry(path, S_IFLNK | 0777, 1, 0, 0, target.getBytes(StandardCharsets.UTF_8));
    }

    void charDevice(String path, int permissions, int major, int minor) throws IOException {
        entry(path, S_IFCHR | permissions, 1, major, minor, new byte[0]);
    }

    /** Writes the trailer entry; the archive is complete afterwards. */
    void finish() throws IOException {
        nextInode = 0;
        entry(TRAILER, 0, 1, 0, 0, new byte[0]);
        out.flush();
    }

    private void entry(String path, int mode, int links, int rdevMajor, int rdevMinor, byte[] content)
            throws IOException {
        String name = path.startsWith("/") ? path.substring(1) : path;
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        int inode = nextInode == 0 ? 0 : nextInode++;
        String header = "070701"
                + hex(inode) + hex(mode) + hex(0) + hex(0) + hex(links) + hex(0)
                + hex(content.length) + hex(0) + hex(0) + hex(rdevMajor) + hex(rdevMinor)
                + hex(nameBytes.length + 1) + hex(0);
        write(header.getBytes(StandardCharsets.US_ASCII));
        write(nameBytes);
        write(new byte[] {0});
        pad();
        write(content);
        pad();
    }

    private static String hex(long value) {
        return String.format(Locale.ROOT, "%08x", value);
    }

    private void write(byte[] bytes) throws IOException {
        out.write(bytes);
        written += bytes.length;
    }

    private void pad() throws IOException {
        int rest = (int) (written % 4);
        if (rest != 0) {
            out.write(PADDING, 0, 4 - rest);
            written += 4 - rest;
        }
    }
}
