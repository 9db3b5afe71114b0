package io.uniswitch.bridge.port;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.unix.FileDescriptor;
import io.uniswitch.tap.device.PacketSocket;

/**
 * A port on an existing interface, reached through an AF_PACKET socket bound to it in promiscuous mode, as the kernel
 * bridge reaches its members: the uplink, a veth, or a tap whose fd a tender holds. The socket ignores the frames it
 * sends itself, so the switch never reads back its own output.
 */
public final class NetdevPort extends FdPort {
    public static final String TYPE = "netdev";

    private final PacketSocket socket;

    public NetdevPort(PacketSocket socket, int mtuBytes, int queueFrames, ByteBufAllocator allocator) {
        super(socket.interfaceName(), TYPE, mtuBytes, queueFrames, allocator);
        this.socket = socket;
    }

    @Override
    public FileDescriptor fileDescriptor() {
        return socket.fileDescriptor();
    }

    @Override
    protected int readFrame(ByteBuf dst) {
        return socket.read(dst);
    }

    @Override
    protected int writeFrame(ByteBuf frame) {
        return socket.write(frame);
    }

    @Override
    protected void closeDevice() {
        super.closeDevice();
        socket.close();
    }
}
