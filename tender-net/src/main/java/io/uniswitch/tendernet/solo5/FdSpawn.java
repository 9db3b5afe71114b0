package io.uniswitch.tendernet.solo5;

import io.uniswitch.tap.linux.Errno;
import io.uniswitch.tap.linux.Fcntl;
import io.uniswitch.tap.linux.Syscall;
import java.io.FileInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * Starts a tender that inherits one open descriptor at a fixed number ({@code --net:NAME=@3}). {@link ProcessBuilder}
 * cannot: the JDK closes every descriptor above 2 in the child. So this launches with posix_spawnp(3): file actions
 * dup2 the descriptor to its number (dup2 clears close-on-exec on the copy only), stdout and stderr go to a pipe,
 * stdin is /dev/null; the signals the JVM handles are reset to their defaults and none is blocked in the child.
 *
 * <p>A reaper thread per process waits for it to exit without reaping it (waitid with WNOWAIT), then reaps it under
 * the lock that signals take, so a signal never reaches another process that got the pid after it; nothing else in
 * the JVM reaps children it did not start. Control and supervisor threads only.
 */
public final class FdSpawn implements TenderProcess.Launcher {
    private static final LibSpawn SPAWN = LibraryLoader.create(LibSpawn.class).load("c");
    private static final Runtime RUNTIME = Runtime.getRuntime(SPAWN);
    private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    /** glibc's posix_spawn_file_actions_t is 80 bytes, posix_spawnattr_t 336 (x86_64, aarch64); room to spare. */
    private static final int SPAWN_STRUCT_BYTES = 512;
    private static final int SIGSET_BYTES = 128;
    /** SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE, SIGTERM, SIGCHLD, SIGXFSZ: same numbers on x86_64, arm64. */
    private static final int[] RESET_SIGNALS = {1, 2, 3, 10, 12, 13, 15, 17, 25};
    private static final int SIGTERM = 15;
    private static final int SIGKILL = 9;
    /** waitid(2): idtype_t P_PID, options WEXITED and WNOWAIT, sizeof(siginfo_t) (the same on every Linux ABI). */
    private static final int P_PID = 1;
    private static final int WEXITED = 4;
    private static final int WNOWAIT = 0x0100_0000;
    private static final int WNOHANG = 1;
    private static final int SIGINFO_BYTES = 128;

    /** posix_spawn and friends from glibc. Pointer parameters keep jnr-ffi off its 6-primitive-argument bug. */
    public interface LibSpawn {
        int posix_spawn_file_actions_init(Pointer actions);

        int posix_spawn_file_actions_destroy(Pointer actions);

        int posix_spawn_file_actions_adddup2(Pointer actions, int fd, int newFd);

        int posix_spawn_file_actions_addopen(Pointer actions, int fd, CharSequence path, int flags, int mode);

        int posix_spawn_file_actions_addclose(Pointer actions, int fd);

        /** glibc 2.34+: close every descriptor from {@code from} up in the child. */
        int posix_spawn_file_actions_addclosefrom_np(Pointer actions, int from);

        int posix_spawnattr_init(Pointer attr);

        int posix_spawnattr_destroy(Pointer attr);

        int posix_spawnattr_setflags(Pointer attr, short flags);

        int posix_spawnattr_setsigmask(Pointer attr, Pointer sigset);

        int posix_spawnattr_setsigdefault(Pointer attr, Pointer sigset);

        int sigemptyset(Pointer sigset);

        int sigaddset(Pointer sigset, int signal);

        /** Returns 0 or an error number (not errno). */
        int posix_spawnp(Pointer pid, CharSequence file, Pointer actions, Pointer attr, Pointer argv, Pointer envp);

        int waitpid(int pid, Pointer status, int options);

        int waitid(int idType, int id, Pointer info, int options);

        int kill(int pid, int signal);

        int pipe2(Pointer fds, int flags);
    }

    private final int fd;
    private final int childFd;

    /**
     * @param fd      the descriptor to pass; it stays open (and close-on-exec) in this process
     * @param childFd the number the child finds it at, 3 or above
     */
    public FdSpawn(int fd, int childFd) {
        if (childFd < 3) {
            throw new IllegalArgumentException("childFd " + childFd + " would replace stdin, stdout or stderr");
        }
        this.fd = fd;
        this.childFd = childFd;
    }

    @Override
    public TenderProcess launch(List<String> argv) throws IOException {
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("empty command");
        }
        final Pointer pipe = allocate(2 * Integer.BYTES);
        if (SPAWN.pipe2(pipe, Fcntl.O_CLOEXEC) < 0) {
            throw new IOException("pipe2: " + Errno.name(RUNTIME.getLastError()));
        }
        final int readEnd = pipe.getInt(0);
        final int writeEnd = pipe.getInt(Integer.BYTES);
        final Pointer actions = allocate(SPAWN_STRUCT_BYTES);
        final Pointer attr = allocate(SPAWN_STRUCT_BYTES);
        SPAWN.posix_spawn_file_actions_init(actions);
        SPAWN.posix_spawnattr_init(attr);
        final int pid;
        try {
            check(SPAWN.posix_spawn_file_actions_addopen(actions, 0, "/dev/null", Fcntl.O_RDONLY, 0), "addopen");
            check(SPAWN.posix_spawn_file_actions_adddup2(actions, writeEnd, 1), "adddup2");
            check(SPAWN.posix_spawn_file_actions_adddup2(actions, writeEnd, 2), "adddup2");
            check(SPAWN.posix_spawn_file_actions_adddup2(actions, fd, childFd), "adddup2");
            // Unlike ProcessBuilder, posix_spawn closes nothing by itself, and the JDK opens some descriptors without
            // close-on-exec (NIO unix sockets: the control socket and its connections): the tender gets none of them.
            closeTheRest(actions, childFd + 1);
            final Pointer none = allocate(SIGSET_BYTES);
            SPAWN.sigemptyset(none);
            final Pointer reset = allocate(SIGSET_BYTES);
            SPAWN.sigemptyset(reset);
            for (int s : RESET_SIGNALS) {
                SPAWN.sigaddset(reset, s);
            }
            check(SPAWN.posix_spawnattr_setsigmask(attr, none), "setsigmask");
            check(SPAWN.posix_spawnattr_setsigdefault(attr, reset), "setsigdefault");
            check(SPAWN.posix_spawnattr_setflags(attr, (short) (POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)),
                    "setflags");
            final List<Pointer> keep = new ArrayList<>();
            final Pointer argvArray = strings(argv, keep);
            final List<String> env = new ArrayList<>();
            for (Map.Entry<String, String> e : System.getenv().entrySet()) {
                env.add(e.getKey() + "=" + e.getValue());
            }
            final Pointer envArray = strings(env, keep);
            final Pointer pidOut = allocate(Integer.BYTES);
            final int error = SPAWN.posix_spawnp(pidOut, argv.get(0), actions, attr, argvArray, envArray);
            java.lang.ref.Reference.reachabilityFence(keep);
            if (error != 0) {
                throw new IOException("Cannot run program \"" + argv.get(0) + "\": error=" + error + ", "
                        + Errno.name(error));
            }
            pid = pidOut.getInt(0);
        } catch (IOException | RuntimeException e) {
            Syscall.closeQuietly(readEnd);
            throw e;
        } finally {
            SPAWN.posix_spawn_file_actions_destroy(actions);
            SPAWN.posix_spawnattr_destroy(attr);
            Syscall.closeQuietly(writeEnd);
        }
        final InputStream output;
        try {
            // The JDK has no public way to wrap a raw descriptor; opening the pipe through /proc is one. The filter
            // hides FileInputStream.readAllBytes, which seeks and fails on a pipe in JDK 17 ("Illegal seek").
            output = new FilterInputStream(new FileInputStream("/proc/self/fd/" + readEnd)) { };
        } finally {
            Syscall.closeQuietly(readEnd);
        }
        return new Spawned(pid, output);
    }

    /**
     * Closes every descriptor from {@code from} up in the child: posix_spawn_file_actions_addclosefrom_np where glibc
     * has it (2.34+), else one close action for each descriptor open here now.
     */
    private static void closeTheRest(Pointer actions, int from) throws IOException {
        try {
            check(SPAWN.posix_spawn_file_actions_addclosefrom_np(actions, from), "addclosefrom_np");
            return;
        } catch (UnsatisfiedLinkError e) {
            // An older glibc: list them.
        }
        try (java.nio.file.DirectoryStream<java.nio.file.Path> fds = java.nio.file.Files.newDirectoryStream(
                java.nio.file.Path.of("/proc/self/fd"))) {
            for (java.nio.file.Path p : fds) {
                final int n = Integer.parseInt(p.getFileName().toString());
                if (n >= from) {
                    check(SPAWN.posix_spawn_file_actions_addclose(actions, n), "addclose");
                }
            }
        }
    }

    private static void check(int error, String call) throws IOException {
        if (error != 0) {
            throw new IOException("posix_spawn_" + call + ": " + Errno.name(error));
        }
    }

    private static Pointer allocate(int bytes) {
        return Memory.allocateDirect(RUNTIME, bytes, true);
    }

    /** A NULL-terminated char*[]; the strings' memory is added to {@code keep} so it lives until the spawn. */
    private static Pointer strings(List<String> values, List<Pointer> keep) {
        final int size = RUNTIME.addressSize();
        final Pointer array = allocate((values.size() + 1) * size);
        for (int i = 0; i < values.size(); i++) {
            final byte[] bytes = values.get(i).getBytes(StandardCharsets.UTF_8);
            final Pointer s = allocate(bytes.length + 1);
            s.put(0, bytes, 0, bytes.length);
            keep.add(s);
            array.putPointer((long) i * size, s);
        }
        keep.add(array);
        return array;
    }

    /** A child started here, reaped by its own thread. */
    private static final class Spawned implements TenderProcess {
        private final int pid;
        private final InputStream output;
        private final CompletableFuture<Integer> exit = new CompletableFuture<>();
        private boolean reaped;

        Spawned(int pid, InputStream output) {
            this.pid = pid;
            this.output = output;
            final Thread reaper = new Thread(this::reap, "reaper-" + pid);
            reaper.setDaemon(true);
            reaper.start();
        }

        private void reap() {
            // Wait without reaping first: while the child is a zombie its pid cannot be reused, so signal() may
            // still send to it; only under the lock, with reaped set, is it reaped.
            final Pointer info = allocate(SIGINFO_BYTES);
            boolean exited = true;
            while (SPAWN.waitid(P_PID, pid, info, WEXITED | WNOWAIT) < 0) {
                if (RUNTIME.getLastError() != Errno.EINTR) {
                    // ECHILD: reaped elsewhere. Whatever it is, the waitpid below must not block under the lock.
                    exited = false;
                    break;
                }
            }
            final Pointer status = allocate(Integer.BYTES);
            int code = 255;
            synchronized (this) {
                reaped = true;
                int r;
                do {
                    r = SPAWN.waitpid(pid, status, exited ? 0 : WNOHANG);
                } while (r < 0 && RUNTIME.getLastError() == Errno.EINTR);
                if (r == pid) {
                    final int s = status.getInt(0);
                    final int signal = s & 0x7f;
                    code = signal == 0 ? (s >> 8) & 0xff : 128 + signal;
                }
                // Otherwise ECHILD: someone else reaped it; the status is lost, but the process is gone.
            }
            exit.complete(code);
        }

        @Override
        public long pid() {
            return pid;
        }

        @Override
        public InputStream output() {
            return output;
        }

        @Override
        public int waitFor() throws InterruptedException {
            try {
                return exit.get();
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
        }

        @Override
        public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
            try {
                exit.get(timeout, unit);
                return true;
            } catch (TimeoutException e) {
                return false;
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
        }

        @Override
        public boolean isAlive() {
            return !exit.isDone();
        }

        @Override
        public void terminate() {
            signal(SIGTERM);
        }

        @Override
        public void kill() {
            signal(SIGKILL);
        }

        /** Only while not reaped (a zombie's pid is still its own): after that it may be another process's. */
        private synchronized void signal(int signal) {
            if (!reaped) {
                SPAWN.kill(pid, signal);
            }
        }
    }
}
