package io.uniswitch.tendernet.solo5;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.unix.FileDescriptor;
import io.uniswitch.bridge.port.FdPort;
import io.uniswitch.tap.device.SocketPair;

/**
 * A tender port in mode {@code fd}: the switch's end of a SOCK_SEQPACKET socketpair whose other end the tender holds
 * as {@code --net:NAME=@3}. One message is one frame, as a tap would give.
 *
 * <p>The tender must never see a failed write (SOLO5-NET.md): a full buffer is fatal to it. The send buffer of the
 * tender's end is forced large (the owner sizes it, see {@link SocketPair}) and the loop drains this end in batches
 * like any port, so the tender can run ahead of the switch by as much as that buffer holds. In the other direction
 * the switch is the one that waits: a full tender end gives EAGAIN here, and frames wait in the egress queue for
 * EPOLLOUT; this end's buffer ({@link #SWITCH_END_BUFFER_BYTES}) need not be large.
 *
 * <p>The pair outlives the tender's restarts: the switch keeps the tender's end open and passes it to every launch,
 * after {@link #drainStale()} discards what the previous tender left unread. Loop thread after attach, as
 * {@link FdPort}; the port closes both ends.
 */
public final class TenderFdPort extends FdPort {
    public static final String TYPE = "tender";
    /** The switch end's send buffer: 4 MiB (8 MiB as the kernel counts), some 3,600 full-size frames in flight. */
    public static final int SWITCH_END_BUFFER_BYTES = 4 << 20;
    /** The descriptor number the tender finds its end at. */
    public static final int TENDER_FD = 3;

    private final SocketPair pair;

    public TenderFdPort(String name, SocketPair pair, int mtuBytes, int queueFrames, ByteBufAllocator allocator) {
        super(name, TYPE, mtuBytes, queueFrames, allocator);
        this.pair = pair;
    }

    /** Launches tenders with the pair's far end at {@link #TENDER_FD}. */
    public TenderProcess.Launcher launcher() {
        return new FdSpawn(pair.remoteFd(), TENDER_FD);
    }

    /** Discards frames queued for a tender that has gone; control thread, between a tender's exit and the next. */
    public int drainStale() {
        return pair.drainRemote();
    }

    @Override
    public FileDescriptor fileDescriptor() {
        return pair.fileDescriptor();
    }

    @Override
    protected int readFrame(ByteBuf dst) {
        return pair.read(dst);
    }

    @Override
    protected int writeFrame(ByteBuf frame) {
        return pair.write(frame);
    }

    @Override
    protected void closeDevice() {
        super.closeDevice();
        pair.close();
    }
}
