package io.uniswitch.tap.device;

import io.uniswitch.tap.linux.LibPcap;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * Compiles pcap-filter expressions (the language of tcpdump, {@code man 7 pcap-filter}) into classic BPF with
 * libpcap, for Ethernet frames. Control path only: each call loads nothing after the first, but allocates and calls
 * into libpcap.
 *
 * <p>Thread-safe: calls are serialized, because libpcap before 1.8 kept the compiler's state in globals and the
 * cost of the lock is irrelevant here.
 */
public final class BpfCompiler {
    /** Bits of {@link #compile}'s instruction encoding; see there. */
    public static final int CODE_SHIFT = 48;
    public static final int JT_SHIFT = 40;
    public static final int JF_SHIFT = 32;

    private static final Object LOCK = new Object();
    private static LibPcap pcap;

    private BpfCompiler() {
    }

    /**
     * Compiles expr (optimized, netmask unknown) for Ethernet frames of at most snaplen bytes; the accept
     * instructions return snaplen. An empty or blank expression accepts every frame, as with tcpdump.
     *
     * @return one {@code long} per instruction: {@code code << 48 | jt << 40 | jf << 32 | k} (k unsigned 32 bits)
     * @throws IllegalArgumentException {@code filter "EXPR": <libpcap's message>} for an expression libpcap refuses
     * @throws IllegalStateException when libpcap cannot be loaded
     */
    public static long[] compile(String expr, int snaplen) {
        if (expr == null) {
            throw new IllegalArgumentException("filter: expected an expression, got null");
        }
        if (snaplen < 1) {
            throw new IllegalArgumentException("snaplen " + snaplen + ": expected >= 1");
        }
        synchronized (LOCK) {
            if (pcap == null) {
                pcap = LibPcap.load();
            }
            final Pointer handle = pcap.pcap_open_dead(LibPcap.DLT_EN10MB, snaplen);
            if (handle == null) {
                throw new IllegalStateException("pcap_open_dead: out of memory");
            }
            try {
                final Runtime runtime = Runtime.getRuntime(pcap);
                final Pointer program = Memory.allocateDirect(runtime, LibPcap.BPF_PROGRAM_BYTES, true);
                if (pcap.pcap_compile(handle, program, expr, 1, LibPcap.PCAP_NETMASK_UNKNOWN) != 0) {
                    throw new IllegalArgumentException("filter \"" + expr + "\": " + pcap.pcap_geterr(handle));
                }
                try {
                    final int count = program.getInt(0);
                    final Pointer insns = program.getPointer(LibPcap.BPF_PROGRAM_INSNS_OFFSET);
                    final long[] out = new long[count];
                    for (int i = 0; i < count; i++) {
                        final long at = (long) i * LibPcap.BPF_INSN_BYTES;
                        final long code = insns.getShort(at) & 0xffffL;
                        final long jt = insns.getByte(at + 2) & 0xffL;
                        final long jf = insns.getByte(at + 3) & 0xffL;
                        final long k = insns.getInt(at + 4) & 0xffff_ffffL;
                        out[i] = code << CODE_SHIFT | jt << JT_SHIFT | jf << JF_SHIFT | k;
                    }
                    return out;
                } finally {
                    pcap.pcap_freecode(program);
                }
            } finally {
                pcap.pcap_close(handle);
            }
        }
    }
}
