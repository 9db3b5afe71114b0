package io.uniswitch.bridge.capture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.uniswitch.tap.device.BpfCompiler;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The capture ring: records survive wrap-around whole, a full ring counts drops, snaplen truncates. */
class CaptureTapTest {
    @TempDir
    Path dir;

    /** A record parsed back from pcap output. */
    record Rec(long epochNs, int kept, int wire, byte[] bytes) {
    }

    static List<Rec> parse(ByteBuffer pcapRecords) {
        ByteBuffer b = pcapRecords.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        List<Rec> out = new ArrayList<>();
        while (b.hasRemaining()) {
            long sec = Integer.toUnsignedLong(b.getInt());
            long ns = b.getInt();
            int kept = b.getInt();
            int wire = b.getInt();
            byte[] data = new byte[kept];
            b.get(data);
            out.add(new Rec(sec * 1_000_000_000L + ns, kept, wire, data));
        }
        return out;
    }

    private static byte[] frame(int length, int tag) {
        byte[] f = new byte[length];
        for (int i = 0; i < length; i++) {
            f[i] = (byte) (tag + i);
        }
        return f;
    }

    private static void offer(CaptureTap tap, byte[] frame, long ns) {
        ByteBuf b = CaptureFrames.buf(frame);
        try {
            tap.capture(b, ns);
        } finally {
            b.release();
        }
    }

    @Test
    void recordsWrapAroundWhole() {
        // Ring of 1024 bytes; records of 16 + 100 -> 120 bytes, so wrap markers appear at varying offsets.
        CaptureTap tap = new CaptureTap(BpfProgram.acceptAll(200), 200, 1024);
        ByteBuffer out = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        List<byte[]> sent = new ArrayList<>();
        List<Rec> got = new ArrayList<>();
        for (int round = 0; round < 50; round++) {
            for (int i = 0; i < 5; i++) {
                byte[] f = frame(60 + (round * 7 + i * 13) % 100, round * 5 + i);
                sent.add(f);
                offer(tap, f, 1000L * sent.size());
            }
            out.clear();
            tap.drainPcap(out, 5_000_000_000L);
            out.flip();
            got.addAll(parse(out));
        }
        assertEquals(0, tap.droppedFrames());
        assertEquals(sent.size(), tap.capturedFrames());
        assertEquals(sent.size(), got.size());
        for (int i = 0; i < sent.size(); i++) {
            assertArrayEquals(sent.get(i), got.get(i).bytes(), "frame " + i);
            assertEquals(sent.get(i).length, got.get(i).wire());
            assertEquals(5_000_000_000L + 1000L * (i + 1), got.get(i).epochNs());
        }
        assertFalse(tap.close(), "the ring is kept while the producer may still write");
        tap.detach();
        assertTrue(tap.close());
    }

    @Test
    void aFullRingCountsDropsAndNeverBlocks() {
        CaptureTap tap = new CaptureTap(BpfProgram.acceptAll(200), 200, 1024);
        for (int i = 0; i < 100; i++) {
            offer(tap, frame(100, i), i);
        }
        // 1024 / 120 = 8 records fit.
        assertEquals(8, tap.capturedFrames());
        assertEquals(92, tap.droppedFrames());
        ByteBuffer out = ByteBuffer.allocate(4096);
        assertEquals(8, tap.drainPcap(out, 0));
        offer(tap, frame(100, 7), 1);
        assertEquals(9, tap.capturedFrames(), "room again once drained");
        tap.detach();
        tap.close();
    }

    @Test
    void aSmallOutputBufferTakesWholeRecordsOnly() {
        CaptureTap tap = new CaptureTap(BpfProgram.acceptAll(200), 200, 1024);
        offer(tap, frame(100, 1), 1);
        offer(tap, frame(100, 2), 2);
        ByteBuffer out = ByteBuffer.allocate(150);
        assertEquals(1, tap.drainPcap(out, 0));
        assertTrue(tap.hasPending());
        out.clear();
        assertEquals(1, tap.drainPcap(out, 0));
        assertFalse(tap.hasPending());
        tap.detach();
        tap.close();
    }

    @Test
    void snaplenAndFilterDecideWhatIsKept() throws IOException, InterruptedException {
        CaptureTap tap = new CaptureTap(new BpfProgram(BpfCompiler.compile("icmp or arp", 64)), 64, 1 << 16);
        List<CaptureFrames.Named> frames = CaptureFrames.all();
        for (CaptureFrames.Named f : frames) {
            offer(tap, f.bytes(), 1);
        }
        assertEquals(3, tap.capturedFrames(), "arp request, icmp echo and reply");
        assertEquals(frames.size() - 3, tap.filteredFrames());
        ByteBuffer out = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        Pcap.putGlobalHeader(out, 64);
        tap.drainPcap(out, 1_700_000_000_000_000_000L);
        out.flip();
        ByteBuffer records = out.duplicate().position(Pcap.GLOBAL_HEADER_BYTES);
        List<Rec> got = parse(records);
        assertEquals(42, got.get(0).kept(), "the 42-byte ARP frame is kept whole");
        assertEquals(64, got.get(1).kept(), "the ICMP frame is cut at the snaplen");
        assertEquals(98, got.get(1).wire());
        assertArrayEquals(Arrays.copyOf(frames.get(1).bytes(), 64), got.get(1).bytes());

        Path file = dir.resolve("tap.pcap");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            while (out.hasRemaining()) {
                ch.write(out);
            }
        }
        List<String> lines = CaptureFrames.tcpdump(file);
        assertEquals(3, lines.size(), "tcpdump reads the file: " + lines);
        assertTrue(lines.get(0).startsWith("1700000000.000000001"), lines.get(0));
        assertTrue(lines.get(0).contains("ARP"), lines.get(0));
        assertTrue(lines.get(1).contains("ICMP echo request"), lines.get(1));
        assertEquals(Pcap.MAGIC_NANOSECONDS, Integer.reverseBytes(Files.readAllBytes(file).length > 0
                ? ByteBuffer.wrap(Files.readAllBytes(file)).getInt() : 0));
        tap.detach();
        tap.close();
    }

    private static ByteBuf untracked(byte[] frame) {
        ByteBuffer b = ByteBuffer.allocateDirect(frame.length);
        b.put(frame).flip();
        return io.netty.buffer.Unpooled.wrappedBuffer(b);
    }

    @Test
    void capturingAllocatesNothing() {
        CaptureTap tap = new CaptureTap(new BpfProgram(BpfCompiler.compile("tcp port 80 or icmp", 1500)), 1500,
                1 << 16);
        // Frames outside leak tracking: paranoid detection (on in tests) records every access of a tracked buffer.
        ByteBuf icmp = untracked(CaptureFrames.all().get(1).bytes());
        ByteBuf tcp = untracked(CaptureFrames.all().get(3).bytes());
        ByteBuf arp = untracked(CaptureFrames.all().get(0).bytes());
        ByteBuffer out = ByteBuffer.allocateDirect(1 << 16);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean)
                java.lang.management.ManagementFactory.getThreadMXBean();
        long before = 0;
        for (int round = 0; round < 4; round++) {
            // Rounds 0-2 warm up (JIT tiers, Netty's thread-locals); the last one is measured.
            before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 20_000; i++) {
                tap.capture(icmp, i);
                tap.capture(tcp, i);
                tap.capture(arp, i);
                if ((i & 63) == 0) {
                    out.clear();
                    tap.drainPcap(out, 0);
                }
            }
        }
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        // Under 0.2 byte per frame: nothing is allocated per frame (a few KB of JIT or profiling noise remain).
        assertTrue(allocated < 12_000, "capture allocated " + allocated + " bytes over 60000 frames");
        assertTrue(tap.capturedFrames() > 0 && tap.filteredFrames() == 80_000, "filter ran");
        icmp.release();
        tcp.release();
        arp.release();
        tap.detach();
        tap.close();
    }
}
