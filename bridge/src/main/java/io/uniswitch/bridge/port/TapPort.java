package io.uniswitch.bridge.port;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.unix.FileDescriptor;
import io.uniswitch.tap.device.TunDevice;

/**
 * A port on a tap device the switch holds: frames the host sends into the tap interface are read from the fd, and
 * frames written to the fd appear on the interface. The device is opened by the control thread and handed over; the
 * port closes it, which removes the tap unless it was made persistent.
 */
public final class TapPort extends FdPort {
    public static final String TYPE = "tap";

    private final TunDevice device;
    private final FrameWriter writer;

    /**
     * @param device opened with {@link io.uniswitch.tap.device.TapOptions#vnetHdr()} for offload mode vnet: frames
     *     then carry their virtio_net_hdr, and the host may hand over (and take) GSO super-frames and partial
     *     checksums once offloads are enabled on the device (TUNSETOFFLOAD)
     */
    public TapPort(TunDevice device, int mtuBytes, int queueFrames, ByteBufAllocator allocator) {
        super(device.name(), TYPE, mtuBytes, queueFrames, allocator, device.vnetHdrBytes());
        this.device = device;
        this.writer = device::write;
    }

    public TunDevice device() {
        return device;
    }

    @Override
    public FileDescriptor fileDescriptor() {
        return device.fileDescriptor();
    }

    @Override
    protected int readFrame(ByteBuf dst) {
        return device.read(dst);
    }

    @Override
    protected int writeFrame(ByteBuf frame) {
        // A tap never pushes back: when its queue to the host is full the kernel drops and counts, so 0 is rare.
        return writeWithVnetHeader(writer, frame);
    }

    @Override
    protected void closeDevice() {
        super.closeDevice();
        device.close();
    }
}
