package io.uniswitch.bridge.capture;

import io.netty.buffer.ByteBuf;

/**
 * A classic BPF program (as libpcap compiles it, or {@code tcpdump -dd} prints it) and its interpreter over a frame
 * in a ByteBuf. Validated once at construction, like the kernel's {@code bpf_check_classic}: every jump lands
 * forward inside the program, the last instruction returns, scratch memory indices are below 16, constant divisors
 * are non-zero and constant shifts below 32; unknown opcodes and Linux ancillary loads are refused. So running it
 * always terminates and never throws: a load outside the frame rejects the frame (returns 0), as in the kernel and
 * in libpcap's {@code bpf_filter}.
 *
 * <p>Thread: {@link #run} uses the program's scratch memory, so one thread (the loop) runs a given instance. No
 * allocation in {@link #run}.
 */
public final class BpfProgram {
    /** {@code BPF_MAXINSNS}. */
    public static final int MAX_INSTRUCTIONS = 4096;
    /** {@code BPF_MEMWORDS}. */
    public static final int MEM_WORDS = 16;

    // Instruction classes and fields (linux/bpf_common.h).
    static final int LD = 0x00;
    static final int LDX = 0x01;
    static final int ST = 0x02;
    static final int STX = 0x03;
    static final int ALU = 0x04;
    static final int JMP = 0x05;
    static final int RET = 0x06;
    static final int MISC = 0x07;
    static final int W = 0x00;
    static final int H = 0x08;
    static final int B = 0x10;
    static final int IMM = 0x00;
    static final int ABS = 0x20;
    static final int IND = 0x40;
    static final int MEM = 0x60;
    static final int LEN = 0x80;
    static final int MSH = 0xa0;
    static final int ADD = 0x00;
    static final int SUB = 0x10;
    static final int MUL = 0x20;
    static final int DIV = 0x30;
    static final int OR = 0x40;
    static final int AND = 0x50;
    static final int LSH = 0x60;
    static final int RSH = 0x70;
    static final int NEG = 0x80;
    static final int MOD = 0x90;
    static final int XOR = 0xa0;
    static final int JA = 0x00;
    static final int JEQ = 0x10;
    static final int JGT = 0x20;
    static final int JGE = 0x30;
    static final int JSET = 0x40;
    static final int K = 0x00;
    static final int X = 0x08;
    static final int RET_A = 0x10;
    static final int TAX = 0x00;
    static final int TXA = 0x80;

    private final int[] codes;
    private final int[] jts;
    private final int[] jfs;
    private final int[] ks;
    private final int[] mem = new int[MEM_WORDS];

    /**
     * @param instructions as {@code io.uniswitch.tap.device.BpfCompiler#compile} returns them:
     *     {@code code << 48 | jt << 40 | jf << 32 | k}
     * @throws IllegalArgumentException naming the first invalid instruction
     */
    public BpfProgram(long[] instructions) {
        final int n = instructions.length;
        if (n < 1 || n > MAX_INSTRUCTIONS) {
            throw new IllegalArgumentException("BPF program of " + n + " instructions: expected 1.."
                    + MAX_INSTRUCTIONS);
        }
        codes = new int[n];
        jts = new int[n];
        jfs = new int[n];
        ks = new int[n];
        for (int pc = 0; pc < n; pc++) {
            final long insn = instructions[pc];
            if ((insn >>> 48) > 0xffff) {
                throw new IllegalArgumentException("BPF instruction " + pc + ": malformed encoding " + insn);
            }
            codes[pc] = (int) (insn >>> 48) & 0xffff;
            jts[pc] = (int) (insn >>> 40) & 0xff;
            jfs[pc] = (int) (insn >>> 32) & 0xff;
            ks[pc] = (int) insn;
            validate(pc, n);
        }
        if ((codes[n - 1] & 0x07) != RET) {
            throw new IllegalArgumentException("BPF instruction " + (n - 1) + ": the last instruction must return");
        }
    }

    /** A program that accepts every frame up to snaplen bytes, as libpcap compiles the empty expression. */
    public static BpfProgram acceptAll(int snaplen) {
        return new BpfProgram(new long[] {(long) (RET | K) << 48 | (snaplen & 0xffff_ffffL)});
    }

    public int length() {
        return codes.length;
    }

    private void validate(int pc, int n) {
        final int code = codes[pc];
        final int k = ks[pc];
        final String where = "BPF instruction " + pc + " (code 0x" + Integer.toHexString(code) + ")";
        switch (code) {
            case LD | W | ABS: case LD | H | ABS: case LD | B | ABS:
            case LD | W | IND: case LD | H | IND: case LD | B | IND: case LDX | B | MSH:
                if (k < 0) {
                    // Negative offsets are Linux ancillary data (SKF_AD_OFF, SKF_NET_OFF): meaningless on a copy.
                    throw new IllegalArgumentException(where + ": ancillary load at offset " + k + " is not supported");
                }
                return;
            case LD | W | IMM: case LD | W | LEN: case LDX | W | IMM: case LDX | W | LEN:
            case RET | K: case RET | RET_A: case MISC | TAX: case MISC | TXA:
            case ALU | NEG:
            case ALU | ADD | K: case ALU | SUB | K: case ALU | MUL | K: case ALU | OR | K: case ALU | AND | K:
            case ALU | XOR | K:
            case ALU | ADD | X: case ALU | SUB | X: case ALU | MUL | X: case ALU | OR | X: case ALU | AND | X:
            case ALU | XOR | X: case ALU | DIV | X: case ALU | MOD | X: case ALU | LSH | X: case ALU | RSH | X:
                return;
            case LD | W | MEM: case LDX | W | MEM: case ST: case STX:
                if (k < 0 || k >= MEM_WORDS) {
                    throw new IllegalArgumentException(where + ": scratch memory index " + k + " outside 0.."
                            + (MEM_WORDS - 1));
                }
                return;
            case ALU | DIV | K: case ALU | MOD | K:
                if (k == 0) {
                    throw new IllegalArgumentException(where + ": division by constant zero");
                }
                return;
            case ALU | LSH | K: case ALU | RSH | K:
                if (k < 0 || k >= 32) {
                    throw new IllegalArgumentException(where + ": shift by " + Integer.toUnsignedString(k));
                }
                return;
            case JMP | JA:
                if (k < 0 || (long) pc + 1 + k >= n) {
                    throw new IllegalArgumentException(where + ": jump by " + Integer.toUnsignedString(k)
                            + " leaves the program");
                }
                return;
            case JMP | JEQ | K: case JMP | JGT | K: case JMP | JGE | K: case JMP | JSET | K:
            case JMP | JEQ | X: case JMP | JGT | X: case JMP | JGE | X: case JMP | JSET | X:
                if (pc + 1 + jts[pc] >= n || pc + 1 + jfs[pc] >= n) {
                    throw new IllegalArgumentException(where + ": jump (jt " + jts[pc] + ", jf " + jfs[pc]
                            + ") leaves the program");
                }
                return;
            default:
                throw new IllegalArgumentException(where + ": unknown or unsupported opcode");
        }
    }

    /**
     * Runs the program over the frame {@code f[offset, offset + length)} (absolute indices; the buffer's indices do
     * not change) and returns its verdict: 0 rejects, otherwise the number of bytes to keep (unsigned; callers clamp
     * it to the frame and their snaplen).
     */
    public int run(ByteBuf f, int offset, int length) {
        final int[] code = codes;
        final int[] jt = jts;
        final int[] jf = jfs;
        final int[] kk = ks;
        final int[] m = mem;
        int a = 0;
        int x = 0;
        int pc = 0;
        while (true) {
            final int k = kk[pc];
            switch (code[pc]) {
                case RET | K:
                    return k;
                case RET | RET_A:
                    return a;
                case LD | W | ABS:
                    if (k > length - 4) {
                        return 0;
                    }
                    a = f.getInt(offset + k);
                    break;
                case LD | H | ABS:
                    if (k > length - 2) {
                        return 0;
                    }
                    a = f.getUnsignedShort(offset + k);
                    break;
                case LD | B | ABS:
                    if (k > length - 1) {
                        return 0;
                    }
                    a = f.getUnsignedByte(offset + k);
                    break;
                case LD | W | IND: {
                    final long at = (x & 0xffff_ffffL) + k;
                    if (at > length - 4) {
                        return 0;
                    }
                    a = f.getInt(offset + (int) at);
                    break;
                }
                case LD | H | IND: {
                    final long at = (x & 0xffff_ffffL) + k;
                    if (at > length - 2) {
                        return 0;
                    }
                    a = f.getUnsignedShort(offset + (int) at);
                    break;
                }
                case LD | B | IND: {
                    final long at = (x & 0xffff_ffffL) + k;
                    if (at > length - 1) {
                        return 0;
                    }
                    a = f.getUnsignedByte(offset + (int) at);
                    break;
                }
                case LD | W | LEN:
                    a = length;
                    break;
                case LDX | W | LEN:
                    x = length;
                    break;
                case LD | W | IMM:
                    a = k;
                    break;
                case LDX | W | IMM:
                    x = k;
                    break;
                case LD | W | MEM:
                    a = m[k];
                    break;
                case LDX | W | MEM:
                    x = m[k];
                    break;
                case LDX | B | MSH:
                    if (k > length - 1) {
                        return 0;
                    }
                    x = (f.getUnsignedByte(offset + k) & 0x0f) << 2;
                    break;
                case ST:
                    m[k] = a;
                    break;
                case STX:
                    m[k] = x;
                    break;
                case JMP | JA:
                    pc += k;
                    break;
                case JMP | JGT | K:
                    pc += Integer.compareUnsigned(a, k) > 0 ? jt[pc] : jf[pc];
                    break;
                case JMP | JGE | K:
                    pc += Integer.compareUnsigned(a, k) >= 0 ? jt[pc] : jf[pc];
                    break;
                case JMP | JEQ | K:
                    pc += a == k ? jt[pc] : jf[pc];
                    break;
                case JMP | JSET | K:
                    pc += (a & k) != 0 ? jt[pc] : jf[pc];
                    break;
                case JMP | JGT | X:
                    pc += Integer.compareUnsigned(a, x) > 0 ? jt[pc] : jf[pc];
                    break;
                case JMP | JGE | X:
                    pc += Integer.compareUnsigned(a, x) >= 0 ? jt[pc] : jf[pc];
                    break;
                case JMP | JEQ | X:
                    pc += a == x ? jt[pc] : jf[pc];
                    break;
                case JMP | JSET | X:
                    pc += (a & x) != 0 ? jt[pc] : jf[pc];
                    break;
                case ALU | ADD | X:
                    a += x;
                    break;
                case ALU | SUB | X:
                    a -= x;
                    break;
                case ALU | MUL | X:
                    a *= x;
                    break;
                case ALU | DIV | X:
                    if (x == 0) {
                        return 0;
                    }
                    a = Integer.divideUnsigned(a, x);
                    break;
                case ALU | MOD | X:
                    if (x == 0) {
                        return 0;
                    }
                    a = Integer.remainderUnsigned(a, x);
                    break;
                case ALU | AND | X:
                    a &= x;
                    break;
                case ALU | OR | X:
                    a |= x;
                    break;
                case ALU | XOR | X:
                    a ^= x;
                    break;
                case ALU | LSH | X:
                    a = (x & 0xffff_ffffL) < 32 ? a << x : 0;
                    break;
                case ALU | RSH | X:
                    a = (x & 0xffff_ffffL) < 32 ? a >>> x : 0;
                    break;
                case ALU | ADD | K:
                    a += k;
                    break;
                case ALU | SUB | K:
                    a -= k;
                    break;
                case ALU | MUL | K:
                    a *= k;
                    break;
                case ALU | DIV | K:
                    a = Integer.divideUnsigned(a, k);
                    break;
                case ALU | MOD | K:
                    a = Integer.remainderUnsigned(a, k);
                    break;
                case ALU | AND | K:
                    a &= k;
                    break;
                case ALU | OR | K:
                    a |= k;
                    break;
                case ALU | XOR | K:
                    a ^= k;
                    break;
                case ALU | LSH | K:
                    a <<= k;
                    break;
                case ALU | RSH | K:
                    a >>>= k;
                    break;
                case ALU | NEG:
                    a = -a;
                    break;
                case MISC | TAX:
                    x = a;
                    break;
                case MISC | TXA:
                    a = x;
                    break;
                default:
                    // Unreachable: the constructor refused every other opcode.
                    return 0;
            }
            pc++;
        }
    }
}
