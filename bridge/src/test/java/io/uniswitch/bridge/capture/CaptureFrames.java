package io.uniswitch.bridge.capture;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Hand-built frames of the kinds filters tell apart, and tcpdump as an oracle over them. */
final class CaptureFrames {
    private CaptureFrames() {
    }

    static final String MAC_A = "020000000001";
    static final String MAC_B = "020000000002";

    /** Each frame with the name a failing assertion shows. */
    record Named(String name, byte[] bytes) {
    }

    static List<Named> all() {
        List<Named> f = new ArrayList<>();
        f.add(new Named("arp request", hex("ffffffffffff" + MAC_A + "0806" + "0001080006040001" + MAC_A + "0a000001"
                + "000000000000" + "0a000002")));
        f.add(new Named("icmp echo", eth(MAC_B, MAC_A, "0800", ipv4(1, "0a000001", "0a000002", 5, 0,
                "0800f7ff00010001" + "00".repeat(56)))));
        f.add(new Named("icmp reply", eth(MAC_A, MAC_B, "0800", ipv4(1, "0a000002", "0a000001", 5, 0,
                "0000ffff00010001" + "00".repeat(56)))));
        f.add(new Named("tcp syn to 80", eth(MAC_B, MAC_A, "0800", ipv4(6, "0a000001", "0a000003", 5, 0,
                "9c400050" + "00000001" + "00000000" + "5002" + "7210" + "00000000"))));
        f.add(new Named("tcp ack 80 -> 22 with ip options", eth(MAC_A, MAC_B, "0800", ipv4(6, "0a000003",
                "0a000001", 6, 0, "00500016" + "00000001" + "00000001" + "5010" + "7210" + "00000000"))));
        f.add(new Named("tcp fragment (offset 185)", eth(MAC_B, MAC_A, "0800", ipv4(6, "0a000001", "0a000003", 5,
                185, "9c40005000000001"))));
        f.add(new Named("vlan 100 icmp", hex(MAC_B + MAC_A + "81000064" + "0800" + hexOf(ipv4(1, "0a000001",
                "0a000002", 5, 0, "0800f7ff00010001" + "00".repeat(8))))));
        f.add(new Named("vlan 200 arp", hex("ffffffffffff" + MAC_A + "810000c8" + "0806" + "0001080006040001" + MAC_A
                + "0a000001" + "000000000000" + "0a000002")));
        f.add(new Named("udp dns", eth(MAC_B, MAC_A, "0800", ipv4(17, "0a000001", "0a000002", 5, 0,
                "d43100350010000000000000000000000000"))));
        f.add(new Named("ipv6 udp", eth("333300000001", MAC_A, "86dd", hex("6000000000081140"
                + "fe80000000000000000000000000000" + "1" + "ff020000000000000000000000000001" + "0222023300080000"))));
        f.add(new Named("large udp", eth(MAC_B, MAC_A, "0800", ipv4(17, "0a000001", "0a000002", 5, 0,
                "d431138900000000" + "ab".repeat(1400)))));
        f.add(new Named("runt ip", hex(MAC_B + MAC_A + "0800" + "4500")));
        return f;
    }

    static final String[] FILTERS = {
        "arp", "icmp", "tcp port 80", "tcp dst port 80", "port 22", "vlan 100", "vlan and icmp", "vlan and arp",
        "host 10.0.0.2", "net 10.0.0.0/24", "ether src 02:00:00:00:00:01", "ether broadcast", "ip6", "udp port 53",
        "ip[8] = 64", "len > 100", "greater 80", "less 60", "tcp[tcpflags] & tcp-syn != 0",
        "icmp[icmptype] = icmp-echo", "ip and not tcp", "ip[6:2] & 0x1fff = 0", "tcp[2:2] = 22", "ip proto 17",
        "ether[0] & 1 != 0", "not arp and not ip6",
    };

    static byte[] eth(String dst, String src, String type, byte[] payload) {
        return hex(dst + src + type + hexOf(payload));
    }

    /** IPv4 header (options of zeros when ihl > 5; checksums are not checked by filters) and payload. */
    static byte[] ipv4(int proto, String src, String dst, int ihl, int fragOffset, String payloadHex) {
        int total = ihl * 4 + payloadHex.length() / 2;
        String h = String.format("%02x00%04x0001%04x40%02x0000", 0x40 | ihl, total, fragOffset, proto) + src + dst
                + "00".repeat((ihl - 5) * 4);
        return hex(h + payloadHex);
    }

    static byte[] hex(String s) {
        byte[] b = new byte[s.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }

    static String hexOf(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02x", x & 0xff));
        }
        return sb.toString();
    }

    /** A direct frame with two bytes of headroom, so the filter's offsets are relative to readerIndex. */
    static ByteBuf buf(byte[] frame) {
        ByteBuf b = Unpooled.directBuffer(frame.length + 2);
        b.writeShort(0xeeee);
        b.writeBytes(frame);
        b.readerIndex(2);
        return b;
    }

    /** Writes frames as a nanosecond pcap file with our writer. */
    static void writePcap(Path file, List<byte[]> frames) throws IOException {
        ByteBuffer out = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        Pcap.putGlobalHeader(out, 262144);
        long t = 1_700_000_000_123_456_789L;
        for (byte[] f : frames) {
            Pcap.putRecordHeader(out, t, f.length, f.length);
            out.put(f);
            t += 1000;
        }
        out.flip();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (out.hasRemaining()) {
                ch.write(out);
            }
        }
    }

    /** Runs tcpdump -r over file with filter; returns its stdout lines (one per matching frame). */
    static List<String> tcpdump(Path file, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("tcpdump", "-n", "-tt", "--time-stamp-precision=nano", "-r",
                file.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("tcpdump " + cmd + " failed (exit " + (p.isAlive() ? "timeout" : p.exitValue())
                    + ")");
        }
        List<String> lines = new ArrayList<>();
        for (String l : out.split("\n")) {
            if (!l.isBlank()) {
                lines.add(l);
            }
        }
        return lines;
    }
}
