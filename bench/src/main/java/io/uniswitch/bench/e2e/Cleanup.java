package io.uniswitch.bench.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a run has created and not yet removed, closed in reverse order of registration: by the code that created it
 * when it is done, or all at once by {@link #closeAll} at the end of the run or from the Ctrl-C shutdown hook, so
 * namespaces, switches and temporary files go away whatever happens. Thread-safe: the main thread registers and
 * closes, the shutdown hook may close everything concurrently; each resource is closed once by this class (and every
 * resource's own close is idempotent as well).
 */
final class Cleanup {
    private final List<AutoCloseable> open = new ArrayList<>();
    private boolean closed;

    /**
     * Registers {@code c}; returns it. After {@link #closeAll} (the run is over, or Ctrl-C came while the main thread
     * was still measuring) {@code c} is closed at once and this throws, so nothing made after the cleanup outlives it.
     */
    <T extends AutoCloseable> T add(T c) {
        synchronized (this) {
            if (!closed) {
                open.add(c);
                return c;
            }
        }
        closeQuietly(c);
        throw new IllegalStateException("the run is shutting down");
    }

    /** Closes {@code c} now if it is still registered, and forgets it. Failures are printed, never thrown. */
    void close(AutoCloseable c) {
        boolean registered;
        synchronized (this) {
            registered = open.remove(c);
        }
        if (registered) {
            closeQuietly(c);
        }
    }

    /** Closes everything still registered, newest first; later registrations are refused. */
    synchronized void closeAll() {
        closed = true;
        for (int i = open.size() - 1; i >= 0; i--) {
            closeQuietly(open.get(i));
        }
        open.clear();
    }

    /** Deletes {@code dir} and everything below it; nothing happens if it does not exist. */
    static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(f);
            }
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            System.err.println("cleanup: " + c + ": " + e.getMessage());
        }
    }
}
