package io.uniswitch.tendernet.vhostuser;

import io.netty.buffer.AbstractReferenceCountedByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ScatteringByteChannel;

/**
 * A frame the guest transmitted, forwarded where it lies: a buffer over the guest's TX buffer, lent out by the
 * vhost-user port for as long as egress ports hold it. When the last holder releases it, the port returns the
 * guest's descriptor chain as used ({@link Owner#returned}) and takes the object back for the next frame: no
 * allocation and no copy per frame.
 *
 * <p>Lending lasts one batch: a frame an egress port still holds when the batch has been forwarded (queued behind a
 * slow port) is {@link #detach detached}: its bytes are copied into a buffer of the switch's own, its chain is
 * returned at once, and the holders go on reading the copy. So no port can keep the guest's TX ring waiting, and guest
 * memory is never read after the queue that lent it has stopped (queues stop between batches). The port checks this
 * again when a queue stops or the port closes.
 *
 * <p>The guest may rewrite a buffer it handed over; the switch takes each header field once, so that changes only
 * which bytes leave, as with any frame a guest sends. Loop thread only; big-endian accessors as every ByteBuf.
 */
final class GuestFrame extends AbstractReferenceCountedByteBuf {
    /** Who lent the frame: told when the last holder releases it. */
    interface Owner {
        void returned(GuestFrame frame);
    }

    private static final boolean NATIVE_LE = !PlatformDependent.BIG_ENDIAN_NATIVE_ORDER;

    private final Owner owner;
    private final ByteBufAllocator alloc;
    private long address;
    private int length;
    private int head = -1;
    private ByteBuf copy;

    GuestFrame(Owner owner, ByteBufAllocator alloc, int maxFrameBytes) {
        super(maxFrameBytes);
        this.owner = owner;
        this.alloc = alloc;
        // Not lent yet: a holder never sees this object before lend().
        setRefCnt(0);
    }

    /** Lends the frame at {@code address} (guest memory) of {@code length} bytes, chain {@code head}. */
    void lend(long frameAddress, int frameLength, int chainHead) {
        this.address = frameAddress;
        this.length = frameLength;
        this.head = chainHead;
        this.copy = null;
        resetRefCnt();
        // Its size is fixed: a write past it is an IndexOutOfBoundsException, as for any full buffer.
        maxCapacity(frameLength);
        setIndex(0, frameLength);
    }

    /** The descriptor chain this frame lies in; -1 once detached. */
    int head() {
        return head;
    }

    boolean detached() {
        return copy != null;
    }

    /** Copies the bytes into a buffer of the switch's own and stops reading guest memory; see the class comment. */
    void detach() {
        ByteBuf own = alloc.directBuffer(length, length);
        PlatformDependent.copyMemory(address, own.memoryAddress(), length);
        own.writerIndex(length);
        copy = own;
        address = own.memoryAddress();
        head = -1;
    }

    @Override
    protected void deallocate() {
        if (copy != null) {
            copy.release();
            copy = null;
        }
        owner.returned(this);
    }

    // ---- memory ---------------------------------------------------------------------------------------------------

    @Override
    public int capacity() {
        return length;
    }

    @Override
    public ByteBuf capacity(int newCapacity) {
        throw new UnsupportedOperationException("a guest frame has the size the guest gave it");
    }

    @Override
    public ByteBufAllocator alloc() {
        return alloc;
    }

    @Override
    @Deprecated
    public ByteOrder order() {
        return ByteOrder.BIG_ENDIAN;
    }

    @Override
    public ByteBuf unwrap() {
        return null;
    }

    @Override
    public boolean isDirect() {
        return true;
    }

    @Override
    public boolean hasArray() {
        return false;
    }

    @Override
    public byte[] array() {
        throw new UnsupportedOperationException("direct buffer");
    }

    @Override
    public int arrayOffset() {
        throw new UnsupportedOperationException("direct buffer");
    }

    @Override
    public boolean hasMemoryAddress() {
        return true;
    }

    @Override
    public long memoryAddress() {
        ensureAccessible();
        return address;
    }

    private long at(int index) {
        return address + index;
    }

    // ---- primitive accessors (bounds checked by AbstractByteBuf) --------------------------------------------------

    @Override
    protected byte _getByte(int index) {
        return PlatformDependent.getByte(at(index));
    }

    @Override
    protected short _getShort(int index) {
        short v = PlatformDependent.getShort(at(index));
        return NATIVE_LE ? Short.reverseBytes(v) : v;
    }

    @Override
    protected short _getShortLE(int index) {
        short v = PlatformDependent.getShort(at(index));
        return NATIVE_LE ? v : Short.reverseBytes(v);
    }

    @Override
    protected int _getUnsignedMedium(int index) {
        return (_getByte(index) & 0xff) << 16 | (_getByte(index + 1) & 0xff) << 8 | _getByte(index + 2) & 0xff;
    }

    @Override
    protected int _getUnsignedMediumLE(int index) {
        return _getByte(index) & 0xff | (_getByte(index + 1) & 0xff) << 8 | (_getByte(index + 2) & 0xff) << 16;
    }

    @Override
    protected int _getInt(int index) {
        int v = PlatformDependent.getInt(at(index));
        return NATIVE_LE ? Integer.reverseBytes(v) : v;
    }

    @Override
    protected int _getIntLE(int index) {
        int v = PlatformDependent.getInt(at(index));
        return NATIVE_LE ? v : Integer.reverseBytes(v);
    }

    @Override
    protected long _getLong(int index) {
        long v = PlatformDependent.getLong(at(index));
        return NATIVE_LE ? Long.reverseBytes(v) : v;
    }

    @Override
    protected long _getLongLE(int index) {
        long v = PlatformDependent.getLong(at(index));
        return NATIVE_LE ? v : Long.reverseBytes(v);
    }

    @Override
    protected void _setByte(int index, int value) {
        PlatformDependent.putByte(at(index), (byte) value);
    }

    @Override
    protected void _setShort(int index, int value) {
        PlatformDependent.putShort(at(index), NATIVE_LE ? Short.reverseBytes((short) value) : (short) value);
    }

    @Override
    protected void _setShortLE(int index, int value) {
        PlatformDependent.putShort(at(index), NATIVE_LE ? (short) value : Short.reverseBytes((short) value));
    }

    @Override
    protected void _setMedium(int index, int value) {
        _setByte(index, value >>> 16);
        _setByte(index + 1, value >>> 8);
        _setByte(index + 2, value);
    }

    @Override
    protected void _setMediumLE(int index, int value) {
        _setByte(index, value);
        _setByte(index + 1, value >>> 8);
        _setByte(index + 2, value >>> 16);
    }

    @Override
    protected void _setInt(int index, int value) {
        PlatformDependent.putInt(at(index), NATIVE_LE ? Integer.reverseBytes(value) : value);
    }

    @Override
    protected void _setIntLE(int index, int value) {
        PlatformDependent.putInt(at(index), NATIVE_LE ? value : Integer.reverseBytes(value));
    }

    @Override
    protected void _setLong(int index, long value) {
        PlatformDependent.putLong(at(index), NATIVE_LE ? Long.reverseBytes(value) : value);
    }

    @Override
    protected void _setLongLE(int index, long value) {
        PlatformDependent.putLong(at(index), NATIVE_LE ? value : Long.reverseBytes(value));
    }

    // ---- bulk transfers -------------------------------------------------------------------------------------------

    @Override
    public ByteBuf getBytes(int index, ByteBuf dst, int dstIndex, int length) {
        checkDstIndex(index, length, dstIndex, dst.capacity());
        if (dst.hasMemoryAddress()) {
            PlatformDependent.copyMemory(at(index), dst.memoryAddress() + dstIndex, length);
        } else if (dst.hasArray()) {
            PlatformDependent.copyMemory(at(index), dst.array(), dst.arrayOffset() + dstIndex, length);
        } else {
            dst.setBytes(dstIndex, this, index, length);
        }
        return this;
    }

    @Override
    public ByteBuf getBytes(int index, byte[] dst, int dstIndex, int length) {
        checkDstIndex(index, length, dstIndex, dst.length);
        PlatformDependent.copyMemory(at(index), dst, dstIndex, length);
        return this;
    }

    @Override
    public ByteBuf getBytes(int index, ByteBuffer dst) {
        int n = dst.remaining();
        checkIndex(index, n);
        if (dst.hasArray()) {
            getBytes(index, dst.array(), dst.arrayOffset() + dst.position(), n);
        } else {
            for (int i = 0; i < n; i++) {
                dst.put(dst.position() + i, _getByte(index + i));
            }
        }
        dst.position(dst.position() + n);
        return this;
    }

    @Override
    public ByteBuf getBytes(int index, OutputStream out, int length) throws IOException {
        checkIndex(index, length);
        byte[] bytes = new byte[length];
        getBytes(index, bytes, 0, length);
        out.write(bytes);
        return this;
    }

    @Override
    public int getBytes(int index, GatheringByteChannel out, int length) throws IOException {
        return out.write(nioBuffer(index, length));
    }

    @Override
    public int getBytes(int index, FileChannel out, long position, int length) throws IOException {
        return out.write(nioBuffer(index, length), position);
    }

    @Override
    public ByteBuf setBytes(int index, ByteBuf src, int srcIndex, int length) {
        checkSrcIndex(index, length, srcIndex, src.capacity());
        if (src.hasMemoryAddress()) {
            PlatformDependent.copyMemory(src.memoryAddress() + srcIndex, at(index), length);
        } else if (src.hasArray()) {
            PlatformDependent.copyMemory(src.array(), src.arrayOffset() + srcIndex, at(index), length);
        } else {
            src.getBytes(srcIndex, this, index, length);
        }
        return this;
    }

    @Override
    public ByteBuf setBytes(int index, byte[] src, int srcIndex, int length) {
        checkSrcIndex(index, length, srcIndex, src.length);
        PlatformDependent.copyMemory(src, srcIndex, at(index), length);
        return this;
    }

    @Override
    public ByteBuf setBytes(int index, ByteBuffer src) {
        int n = src.remaining();
        checkIndex(index, n);
        for (int i = 0; i < n; i++) {
            _setByte(index + i, src.get(src.position() + i));
        }
        src.position(src.position() + n);
        return this;
    }

    @Override
    public int setBytes(int index, InputStream in, int length) throws IOException {
        checkIndex(index, length);
        byte[] bytes = in.readNBytes(length);
        setBytes(index, bytes, 0, bytes.length);
        return bytes.length == 0 && length > 0 ? -1 : bytes.length;
    }

    @Override
    public int setBytes(int index, ScatteringByteChannel in, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        int n = in.read(b);
        if (n > 0) {
            b.flip();
            setBytes(index, b);
        }
        return n;
    }

    @Override
    public int setBytes(int index, FileChannel in, long position, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        int n = in.read(b, position);
        if (n > 0) {
            b.flip();
            setBytes(index, b);
        }
        return n;
    }

    @Override
    public ByteBuf copy(int index, int length) {
        checkIndex(index, length);
        ByteBuf c = alloc.directBuffer(length, maxCapacity());
        c.writeBytes(this, index, length);
        return c;
    }

    @Override
    public int nioBufferCount() {
        return 1;
    }

    /**
     * A heap copy, although the buffer is direct: a ByteBuffer over native memory needs JDK internals. Nothing on the
     * data path asks for one (ports write from {@link #memoryAddress}).
     */
    @Override
    public ByteBuffer nioBuffer(int index, int length) {
        checkIndex(index, length);
        byte[] bytes = new byte[length];
        getBytes(index, bytes, 0, length);
        return ByteBuffer.wrap(bytes);
    }

    @Override
    public ByteBuffer internalNioBuffer(int index, int length) {
        return nioBuffer(index, length);
    }

    @Override
    public ByteBuffer[] nioBuffers(int index, int length) {
        return new ByteBuffer[] {nioBuffer(index, length)};
    }
}
