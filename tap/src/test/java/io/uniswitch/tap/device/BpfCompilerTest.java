package io.uniswitch.tap.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** libpcap through jnr-ffi: arguments arrive (snaplen, expression) and errors come back with libpcap's text. */
class BpfCompilerTest {
    private static int code(long insn) {
        return (int) (insn >>> BpfCompiler.CODE_SHIFT);
    }

    private static long k(long insn) {
        return insn & 0xffff_ffffL;
    }

    @Test
    void compilesLikeTcpdumpDd() {
        // tcpdump -dd arp: { 0x28, 0, 0, 0x0000000c }, { 0x15, 0, 1, 0x00000806 }, { 0x6, 0, 0, 0x00040000 },
        // { 0x6, 0, 0, 0x00000000 }
        long[] p = BpfCompiler.compile("arp", 262_144);
        assertEquals(4, p.length);
        assertEquals(0x28, code(p[0]));
        assertEquals(12, k(p[0]));
        assertEquals(0x15, code(p[1]));
        assertEquals(0, (p[1] >>> BpfCompiler.JT_SHIFT) & 0xff);
        assertEquals(1, (p[1] >>> BpfCompiler.JF_SHIFT) & 0xff);
        assertEquals(0x806, k(p[1]));
        assertEquals(262_144, k(p[2]), "the accept value is the snaplen given");
        assertEquals(0, k(p[3]));
        assertEquals(8, BpfCompiler.compile("vlan and ether proto 0x88b5", 262_144).length);
    }

    @Test
    void snaplenReachesLibpcap() {
        long[] p = BpfCompiler.compile("", 1234);
        assertEquals(1, p.length);
        assertEquals(6, code(p[0]));
        assertEquals(1234, k(p[0]));
    }

    @Test
    void malformedExpressionNamesItAndLibpcapsError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BpfCompiler.compile("tcp port", 262_144));
        assertTrue(e.getMessage().startsWith("filter \"tcp port\": "), e.getMessage());
        assertTrue(e.getMessage().contains("syntax error"), e.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> BpfCompiler.compile("port 99999", 262_144));
        assertTrue(unknown.getMessage().startsWith("filter \"port 99999\": "), unknown.getMessage());
        // libpcap keeps working after an error.
        assertEquals(4, BpfCompiler.compile("arp", 262_144).length);
    }
}
