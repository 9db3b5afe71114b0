package io.uniswitch.bridge.loop;

import java.util.Collection;

/**
 * The ports whose received frames can be seen in memory (a packet socket's receive ring), polled by looking at the
 * ring rather than through epoll while the loop spins. Checking a status word costs a few nanoseconds; an
 * epoll_wait without timeout costs a system call (about 1 us on this project's VMs), and a frame that lands just
 * after one is seen only after the next. A ping through the switch crosses the loop twice per round trip.
 *
 * <p>Loop thread only. The data plane replaces the port list ({@link #set}) before it closes a port, so a ring is
 * never looked at after it was unmapped.
 */
final class RingPoller {
    private static final PortHandle[] NONE = new PortHandle[0];

    private PortHandle[] visible = NONE;
    private boolean allVisible = true;

    /** Takes the attached ports: those with a visible receive ring are polled, and any other makes epoll needed. */
    void set(Collection<PortHandle> handles) {
        int n = 0;
        for (PortHandle h : handles) {
            if (h.port().rxPendingVisible()) {
                n++;
            }
        }
        PortHandle[] next = new PortHandle[n];
        int i = 0;
        for (PortHandle h : handles) {
            if (h.port().rxPendingVisible()) {
                next[i++] = h;
            }
        }
        visible = next;
        allVisible = n == handles.size();
    }

    /** Reads every port that has frames waiting; returns whether any had. */
    boolean poll() {
        boolean any = false;
        for (PortHandle h : visible) {
            any |= h.pollIfPending();
        }
        return any;
    }

    /**
     * Whether only epoll can tell of some event: a port that shows no ring, or one waiting for EPOLLOUT (its socket
     * refused frames). Control tasks and timers are the caller's business.
     */
    boolean epollNeeded() {
        if (!allVisible) {
            return true;
        }
        for (PortHandle h : visible) {
            if (h.writeArmed()) {
                return true;
            }
        }
        return false;
    }
}
