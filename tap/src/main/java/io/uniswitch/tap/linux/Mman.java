package io.uniswitch.tap.linux;

/** {@code <sys/mman.h>}: what mapping a packet ring needs. */
public final class Mman {
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 1;
    /** Fault the ring in at mmap time instead of on the first frame of each page. */
    public static final int MAP_POPULATE = 0x8000;
    /** mmap's error return, {@code (void *) -1}. */
    public static final long MAP_FAILED = -1L;

    private Mman() {
    }
}
