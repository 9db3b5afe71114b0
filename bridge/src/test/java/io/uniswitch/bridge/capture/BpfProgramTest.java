package io.uniswitch.bridge.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.uniswitch.tap.device.BpfCompiler;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The interpreter against libpcap's compiler and tcpdump's verdicts: for each filter, the frames the Java
 * interpreter accepts are exactly those {@code tcpdump -r} prints for the same file and filter.
 */
class BpfProgramTest {
    private static final int SNAPLEN = 262_144;
    private static final long BASE_NS = 123_456_789L;

    @TempDir
    Path dir;

    @Test
    void acceptsExactlyWhatTcpdumpAccepts() throws Exception {
        List<CaptureFrames.Named> frames = CaptureFrames.all();
        List<byte[]> bytes = new ArrayList<>();
        for (CaptureFrames.Named f : frames) {
            bytes.add(f.bytes());
        }
        Path file = dir.resolve("frames.pcap");
        CaptureFrames.writePcap(file, bytes);
        assertEquals(frames.size(), CaptureFrames.tcpdump(file).size(), "tcpdump reads every frame of our file");
        for (String filter : CaptureFrames.FILTERS) {
            BpfProgram program = new BpfProgram(BpfCompiler.compile(filter, SNAPLEN));
            TreeSet<Integer> ours = new TreeSet<>();
            TreeSet<String> names = new TreeSet<>();
            for (int i = 0; i < frames.size(); i++) {
                ByteBuf b = CaptureFrames.buf(frames.get(i).bytes());
                try {
                    int verdict = program.run(b, b.readerIndex(), b.readableBytes());
                    assertTrue(verdict == 0 || verdict == SNAPLEN, filter + ": verdict " + verdict);
                    if (verdict != 0) {
                        ours.add(i);
                        names.add(frames.get(i).name());
                    }
                } finally {
                    b.release();
                }
            }
            TreeSet<Integer> theirs = new TreeSet<>();
            for (String line : CaptureFrames.tcpdump(file, filter)) {
                String ts = line.substring(0, line.indexOf(' '));
                long ns = Long.parseLong(ts.substring(ts.indexOf('.') + 1));
                theirs.add((int) ((ns - BASE_NS) / 1000));
            }
            assertEquals(theirs, ours, "filter \"" + filter + "\" accepted " + names);
        }
    }

    @Test
    void someFiltersSelectSomethingAndNotEverything() {
        // Guards the oracle test against a vacuous pass (a filter that matches all or nothing of the set).
        List<CaptureFrames.Named> frames = CaptureFrames.all();
        BpfProgram vlan = new BpfProgram(BpfCompiler.compile("vlan 100", SNAPLEN));
        int matched = 0;
        for (CaptureFrames.Named f : frames) {
            ByteBuf b = CaptureFrames.buf(f.bytes());
            matched += vlan.run(b, b.readerIndex(), b.readableBytes()) != 0 ? 1 : 0;
            b.release();
        }
        assertEquals(1, matched);
    }

    @Test
    void loadsBeyondTheFrameReject() {
        BpfProgram tcp = new BpfProgram(BpfCompiler.compile("tcp port 80", SNAPLEN));
        ByteBuf b = CaptureFrames.buf(CaptureFrames.hex(CaptureFrames.MAC_B + CaptureFrames.MAC_A + "0800"));
        try {
            assertEquals(0, tcp.run(b, b.readerIndex(), b.readableBytes()));
            assertEquals(0, tcp.run(b, b.readerIndex(), 0));
        } finally {
            b.release();
        }
    }

    @Test
    void snaplenIsTheAcceptValue() {
        BpfProgram p = new BpfProgram(BpfCompiler.compile("arp", 96));
        ByteBuf b = CaptureFrames.buf(CaptureFrames.all().get(0).bytes());
        try {
            assertEquals(96, p.run(b, b.readerIndex(), b.readableBytes()));
        } finally {
            b.release();
        }
    }

    private static long insn(int code, int jt, int jf, int k) {
        return (long) code << 48 | (long) jt << 40 | (long) jf << 32 | (k & 0xffff_ffffL);
    }

    @Test
    void invalidProgramsAreRefusedAtLoad() {
        int ret = BpfProgram.RET | BpfProgram.K;
        assertRefused("0 instructions", new long[0]);
        assertRefused("leaves the program", insn(BpfProgram.JMP | BpfProgram.JEQ, 1, 0, 0), insn(ret, 0, 0, 1));
        assertRefused("leaves the program", insn(BpfProgram.JMP | BpfProgram.JA, 0, 0, 5), insn(ret, 0, 0, 1));
        assertRefused("leaves the program", insn(BpfProgram.JMP | BpfProgram.JA, 0, 0, -1), insn(ret, 0, 0, 1));
        assertRefused("division by constant zero", insn(BpfProgram.ALU | BpfProgram.DIV, 0, 0, 0), insn(ret, 0, 0, 1));
        assertRefused("division by constant zero", insn(BpfProgram.ALU | BpfProgram.MOD, 0, 0, 0), insn(ret, 0, 0, 1));
        assertRefused("scratch memory index 16", insn(BpfProgram.ST, 0, 0, 16), insn(ret, 0, 0, 1));
        assertRefused("scratch memory index -1", insn(BpfProgram.LD | BpfProgram.MEM, 0, 0, -1), insn(ret, 0, 0, 1));
        assertRefused("must return", insn(BpfProgram.LD | BpfProgram.W | BpfProgram.LEN, 0, 0, 0));
        assertRefused("unknown", insn(0xffff, 0, 0, 0), insn(ret, 0, 0, 1));
        assertRefused("ancillary", insn(BpfProgram.LD | BpfProgram.H | BpfProgram.ABS, 0, 0, 0xfffff000),
                insn(ret, 0, 0, 1));
        assertRefused("shift by 32", insn(BpfProgram.ALU | BpfProgram.LSH, 0, 0, 32), insn(ret, 0, 0, 1));
        assertRefused("4096", new long[4097]);
    }

    @Test
    void divisionByZeroInXRejectsAtRunTime() {
        BpfProgram p = new BpfProgram(new long[] {insn(BpfProgram.LDX | BpfProgram.W | BpfProgram.IMM, 0, 0, 0),
            insn(BpfProgram.ALU | BpfProgram.DIV | BpfProgram.X, 0, 0, 0),
            insn(BpfProgram.RET | BpfProgram.K, 0, 0, 100)});
        ByteBuf b = CaptureFrames.buf(new byte[60]);
        try {
            assertEquals(0, p.run(b, b.readerIndex(), b.readableBytes()));
        } finally {
            b.release();
        }
    }

    private static void assertRefused(String expected, long... program) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new BpfProgram(program));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
