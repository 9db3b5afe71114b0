package io.uniswitch.tap.linux;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;

/**
 * The few libpcap functions uniswitch uses to compile pcap-filter expressions into classic BPF; nothing here opens
 * a capture device. Bound through jnr-ffi to {@code libpcap.so.0.8}, the soname Debian's {@code libpcap0.8} ships
 * (there is no unversioned {@code libpcap.so} without libpcap-dev). Load it with {@link #load()}.
 *
 * <p>{@code struct bpf_program} is 16 bytes on LP64: {@code u_int bf_len} at 0, {@code struct bpf_insn *bf_insns}
 * at 8. Each {@code bpf_insn} is 8 bytes: {@code u_short code}, {@code u_char jt}, {@code u_char jf},
 * {@code bpf_u_int32 k} (the same layout as the kernel's {@code sock_filter}).
 */
public interface LibPcap {
    /** The soname loaded. */
    String SONAME = "libpcap.so.0.8";
    /** {@code DLT_EN10MB}: Ethernet link-layer headers. */
    int DLT_EN10MB = 1;
    /** {@code PCAP_NETMASK_UNKNOWN}: the netmask argument of pcap_compile when it is unknown. */
    int PCAP_NETMASK_UNKNOWN = 0xffffffff;
    /** {@code sizeof(struct bpf_program)} on LP64. */
    int BPF_PROGRAM_BYTES = 16;
    /** Offset of {@code bf_insns} in {@code struct bpf_program}. */
    int BPF_PROGRAM_INSNS_OFFSET = 8;
    /** {@code sizeof(struct bpf_insn)}. */
    int BPF_INSN_BYTES = 8;

    /** A handle for compiling filters without a device; null when out of memory. */
    Pointer pcap_open_dead(int linktype, int snaplen);

    /** Compiles expr into program (a caller-allocated bpf_program); 0 on success, -1 with pcap_geterr set. */
    int pcap_compile(Pointer p, Pointer program, String expr, int optimize, int netmask);

    /** Frees the instructions pcap_compile allocated into program. */
    void pcap_freecode(Pointer program);

    /** The last error text of handle p. */
    String pcap_geterr(Pointer p);

    void pcap_close(Pointer p);

    /**
     * Loads {@link #SONAME}; call once and keep the result.
     *
     * @throws IllegalStateException naming the package to install when the library is missing
     */
    static LibPcap load() {
        try {
            return LibraryLoader.create(LibPcap.class).failImmediately().load(SONAME);
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            throw new IllegalStateException(SONAME + " cannot be loaded (" + e.getMessage() + "): install the Debian "
                    + "package libpcap0.8 (tcpdump depends on it; Debian 13 names it libpcap0.8t64)", e);
        }
    }
}
