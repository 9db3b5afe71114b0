package io.uniswitch.bridge.port;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.util.List;

class MemoryPortContractTest extends PortContractTest {
    @Override
    protected Port newPort(String name, int mtuBytes, int egressQueueCapacity) {
        return new MemoryPort(name, mtuBytes, egressQueueCapacity);
    }

    @Override
    protected void deliver(Port port, ByteBuf frame) {
        ((MemoryPort) port).inject(frames.raw(ByteBufUtil.getBytes(frame)));
    }

    @Override
    protected List<ByteBuf> collectSent(Port port, int expected) {
        return ((MemoryPort) port).drainSent();
    }
}
