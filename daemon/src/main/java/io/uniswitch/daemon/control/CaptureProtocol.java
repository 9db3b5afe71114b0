package io.uniswitch.daemon.control;

/**
 * The {@code capture} request on the control socket. The client sends {@code {"cmd":"capture","port":P,
 * "filter":EXPR,"snaplen":N}}; the switch answers one JSON line like any request (an error for an unknown port or a
 * filter libpcap refuses), then streams a pcap byte stream: the 24-byte file header (nanosecond magic
 * {@code 0xa1b23c4d}, little-endian, link type 1) and one record per captured frame. The client ends the capture by
 * shutting down its side for writing (or by closing); the switch then stops copying, sends what its ring still
 * holds, a 16-byte {@link #END_MARKER} record header, one JSON summary line ({@code capturedFrames},
 * {@code filteredFrames}, {@code droppedFrames}), and closes. A record header never has the end marker's length, so
 * a client finds the end without a second channel.
 */
public final class CaptureProtocol {
    public static final String CMD = "capture";
    /** Every field of the record header that ends the stream. */
    public static final int END_MARKER = 0xffffffff;
    /** tcpdump's default snaplen. */
    public static final int DEFAULT_SNAPLEN = 262_144;

    private CaptureProtocol() {
    }
}
