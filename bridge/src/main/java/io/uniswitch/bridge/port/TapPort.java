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

    public TapPort(TunDevice device, int mtuBytes, int queueFrames, ByteBufAllocator allocator) {
        super(device.name(), TYPE, mtuBytes, queueFrames, allocator);
        this.device = device;
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
        return device.write(frame);
    }

    @Override
    protected void closeDevice() {
        super.closeDevice();
        device.close();
    }
}
