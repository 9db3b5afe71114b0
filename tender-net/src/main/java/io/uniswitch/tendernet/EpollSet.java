package io.uniswitch.tendernet;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.Native;
import io.netty.channel.unix.FileDescriptor;
import io.uniswitch.tap.linux.Errno;
import io.uniswitch.tap.linux.NativeException;
import java.io.IOException;

/**
 * A port's own epoll set, registered on the loop as the port's one fd, with an eventfd in it: for ports that watch
 * several fds (a qemu stream port's listening socket and connection, a vhost-user port's kick eventfds). The loop
 * sees the set readable when any member is; {@link #wake} makes it readable from the port itself (frames left to
 * read, a queue hand-over to take) and {@link #clearWake} undoes that.
 *
 * <p>Made on the control thread; members added and the wake used on the loop thread; closed once, by the port.
 */
public final class EpollSet implements AutoCloseable {
    private final FileDescriptor epoll;
    private final FileDescriptor wake;
    private boolean woken;

    private EpollSet(FileDescriptor epoll, FileDescriptor wake) {
        this.epoll = epoll;
        this.wake = wake;
    }

    /**
     * A new set holding its wake eventfd and {@code members} (EPOLLIN). Nothing is left open on failure.
     *
     * @param object what the set serves, for the error: port name and socket path
     * @throws NativeException when epoll or the eventfd cannot be made
     */
    public static EpollSet open(String object, int... members) {
        Epoll.ensureAvailability();
        FileDescriptor ep = null;
        FileDescriptor ev = null;
        try {
            ep = Native.newEpollCreate();
            ev = Native.newEventFd();
            Native.epollCtlAdd(ep.intValue(), ev.intValue(), Native.EPOLLIN);
            for (int fd : members) {
                Native.epollCtlAdd(ep.intValue(), fd, Native.EPOLLIN);
            }
            return new EpollSet(ep, ev);
        } catch (IOException | RuntimeException e) {
            UnixSockets.closeQuietly(ev);
            UnixSockets.closeQuietly(ep);
            throw new NativeException("epoll_ctl", object, Errno.EIO, e.getMessage());
        }
    }

    /** The fd the loop watches. */
    public FileDescriptor fileDescriptor() {
        return epoll;
    }

    /** The epoll fd, for epoll_ctl on members. */
    public int fd() {
        return epoll.intValue();
    }

    /** Makes the set readable until {@link #clearWake}; at most one eventfd write until then. Loop thread. */
    public void wake() {
        if (!woken) {
            woken = true;
            Native.eventFdWrite(wake.intValue(), 1);
        }
    }

    /** Undoes {@link #wake}, if it was called. Loop thread. */
    public void clearWake() {
        if (woken) {
            Native.eventFdRead(wake.intValue());
            woken = false;
        }
    }

    @Override
    public void close() {
        UnixSockets.closeQuietly(epoll);
        UnixSockets.closeQuietly(wake);
    }
}
