package io.uniswitch.bridge.loop;

/**
 * How busy the loop thread is: the time it spends handling port events (reading, forwarding, writing), as opposed to
 * sleeping in epoll_wait or spinning in the busy-poll window. Written by the loop thread once per port wakeup (two
 * clock reads per wakeup, not per frame); read by the metrics thread, which may see a value a moment old.
 */
public final class LoopLoad {
    private long busyNs;
    private long lastBusyNs;
    private long lastSampleNs = System.nanoTime();

    void add(long ns) {
        busyNs += ns;
    }

    /** Cumulative time spent handling events, in nanoseconds. */
    public long busyNs() {
        return busyNs;
    }

    /**
     * The share of wall time spent handling events since the previous call (0..1); meant for one reader, the metrics
     * scrape.
     */
    public synchronized double busyRatioSinceLastCall() {
        long now = System.nanoTime();
        long busy = busyNs;
        long wall = now - lastSampleNs;
        double ratio = wall <= 0 ? 0 : Math.min(1.0, (busy - lastBusyNs) / (double) wall);
        lastBusyNs = busy;
        lastSampleNs = now;
        return ratio;
    }
}
