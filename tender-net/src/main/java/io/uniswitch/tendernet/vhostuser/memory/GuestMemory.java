package io.uniswitch.tendernet.vhostuser.memory;

import io.uniswitch.tap.linux.Mman;
import io.uniswitch.tap.linux.NativeException;
import io.uniswitch.tap.linux.Syscall;
import java.util.List;

/**
 * A guest's memory as the vhost-user front-end shared it (SET_MEM_TABLE): regions, each a file descriptor mapped
 * here, known by three addresses: the guest-physical address descriptors use, the front-end's own virtual address
 * ring addresses use, and where this process mapped it.
 *
 * <p>The guest is not trusted. Every address it hands over goes through {@link #translate} or {@link #translateUser},
 * which return a host address only when the whole range {@code [address, address + length)} lies inside one region,
 * with no arithmetic overflow; anything else gives {@link #INVALID}. Nothing in this package touches memory through an
 * address that did not come out of those two methods.
 *
 * <p>Immutable after construction; a new table replaces the old one. Safe to read from any thread; {@link #close}
 * only once no thread uses it (the loop drops its reference first).
 */
public final class GuestMemory implements AutoCloseable {
    /** What translation returns for a range outside the shared memory. */
    public static final long INVALID = -1L;
    /** The most regions a table may hold, as QEMU sends without the mem-slots protocol feature. */
    public static final int MAX_REGIONS = 8;
    private static final int SEEK_END = 2;

    /** One region as the front-end describes it. */
    public record Region(long guestPhysAddr, long sizeBytes, long userAddr, long mmapOffset) {
    }

    private final long[] guestStart;
    private final long[] userStart;
    private final long[] sizes;
    private final long[] hostStart;
    /** What was mapped (address, length), to unmap on close; empty for memory the caller owns. */
    private final long[] mappedAddress;
    private final long[] mappedLength;
    private boolean closed;

    private GuestMemory(List<Region> regions, long[] hostStart, long[] mappedAddress, long[] mappedLength) {
        final int n = regions.size();
        this.guestStart = new long[n];
        this.userStart = new long[n];
        this.sizes = new long[n];
        for (int i = 0; i < n; i++) {
            Region r = regions.get(i);
            guestStart[i] = r.guestPhysAddr();
            userStart[i] = r.userAddr();
            sizes[i] = r.sizeBytes();
        }
        this.hostStart = hostStart;
        this.mappedAddress = mappedAddress;
        this.mappedLength = mappedLength;
    }

    /**
     * Maps each region's fd (shared, read-write) and builds the table. All or nothing: on a failure what was mapped
     * is unmapped. The fds are not closed here (the caller owns them and may close them once this returns).
     *
     * @throws IllegalArgumentException for a table the spec does not allow (see {@link #check})
     * @throws NativeException          when a mapping fails, naming the region
     */
    public static GuestMemory map(String name, List<Region> regions, int[] fds) {
        check(regions);
        if (fds.length != regions.size()) {
            throw new IllegalArgumentException(regions.size() + " regions but " + fds.length + " file descriptors");
        }
        final int n = regions.size();
        final long[] host = new long[n];
        final long[] address = new long[n];
        final long[] length = new long[n];
        for (int i = 0; i < n; i++) {
            Region r = regions.get(i);
            final long total = r.sizeBytes() + r.mmapOffset();
            // A file shorter than the region would fault (SIGBUS) on the first access past its end.
            final long fileBytes = Syscall.LIBC.lseek(fds[i], 0, SEEK_END);
            if (fileBytes >= 0 && fileBytes < total) {
                for (int j = 0; j < i; j++) {
                    Syscall.LIBC.munmap(address[j], length[j]);
                }
                throw new IllegalArgumentException("memory region " + i + " declares " + total + " bytes but its file "
                        + "holds " + fileBytes);
            }
            final long a = Syscall.LIBC.mmap(null, total, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_SHARED, fds[i], 0);
            if (a == Mman.MAP_FAILED || a == 0) {
                final int errno = Syscall.errno();
                for (int j = 0; j < i; j++) {
                    Syscall.LIBC.munmap(address[j], length[j]);
                }
                throw NativeException.of("mmap", name + " region " + i + " (" + total + " bytes, fd " + fds[i] + ")",
                        errno);
            }
            address[i] = a;
            length[i] = total;
            host[i] = a + r.mmapOffset();
        }
        return new GuestMemory(regions, host, address, length);
    }

    /** A table over memory the caller already has at {@code hostAddresses} (tests, and a front-end's own view). */
    public static GuestMemory over(List<Region> regions, long[] hostAddresses) {
        check(regions);
        if (hostAddresses.length != regions.size()) {
            throw new IllegalArgumentException(regions.size() + " regions but " + hostAddresses.length + " addresses");
        }
        return new GuestMemory(regions, hostAddresses.clone(), new long[0], new long[0]);
    }

    /**
     * The table's rules: 1 to {@link #MAX_REGIONS} regions, each of positive size with no address range wrapping
     * past 2^64, and no two overlapping in guest-physical or front-end addresses.
     *
     * @throws IllegalArgumentException naming the region and the rule
     */
    public static void check(List<Region> regions) {
        if (regions.isEmpty() || regions.size() > MAX_REGIONS) {
            throw new IllegalArgumentException(regions.size() + " memory regions: expected 1 to " + MAX_REGIONS);
        }
        for (int i = 0; i < regions.size(); i++) {
            Region r = regions.get(i);
            if (r.sizeBytes() <= 0 || r.mmapOffset() < 0
                    || Long.compareUnsigned(r.guestPhysAddr() + r.sizeBytes() - 1, r.guestPhysAddr()) < 0
                    || Long.compareUnsigned(r.userAddr() + r.sizeBytes() - 1, r.userAddr()) < 0
                    || r.sizeBytes() + r.mmapOffset() < 0) {
                throw new IllegalArgumentException("memory region " + i + " " + r + " has a bad size or wraps around");
            }
            for (int j = 0; j < i; j++) {
                Region o = regions.get(j);
                if (overlaps(r.guestPhysAddr(), r.sizeBytes(), o.guestPhysAddr(), o.sizeBytes())
                        || overlaps(r.userAddr(), r.sizeBytes(), o.userAddr(), o.sizeBytes())) {
                    throw new IllegalArgumentException("memory regions " + j + " and " + i + " overlap");
                }
            }
        }
    }

    private static boolean overlaps(long a, long aSize, long b, long bSize) {
        return Long.compareUnsigned(a, b + bSize - 1) <= 0 && Long.compareUnsigned(b, a + aSize - 1) <= 0;
    }

    public int regionCount() {
        return sizes.length;
    }

    /** "N regions, M MiB", for messages. */
    public String describe() {
        long total = 0;
        for (long size : sizes) {
            total += size;
        }
        return sizes.length + (sizes.length == 1 ? " region, " : " regions, ") + (total >> 20) + " MiB";
    }

    /** The host address of guest-physical {@code [gpa, gpa + length)}, or {@link #INVALID}. No allocation. */
    public long translate(long gpa, long length) {
        return lookup(guestStart, gpa, length);
    }

    /** The host address of front-end virtual {@code [uva, uva + length)} (ring addresses), or {@link #INVALID}. */
    public long translateUser(long uva, long length) {
        return lookup(userStart, uva, length);
    }

    private long lookup(long[] starts, long address, long length) {
        if (length < 0) {
            return INVALID;
        }
        final long[] size = sizes;
        for (int i = 0; i < starts.length; i++) {
            final long offset = address - starts[i];
            // Unsigned: an address below the region start wraps to a huge offset and fails the test.
            if (Long.compareUnsigned(offset, size[i]) < 0 && Long.compareUnsigned(length, size[i] - offset) <= 0) {
                return hostStart[i] + offset;
            }
        }
        return INVALID;
    }

    /** Unmaps what {@link #map} mapped. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = 0; i < mappedAddress.length; i++) {
            Syscall.LIBC.munmap(mappedAddress[i], mappedLength[i]);
        }
    }
}
