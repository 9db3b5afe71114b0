package io.uniswitch.tap.linux;

/** {@code <fcntl.h>}: open flags (asm-generic values, shared by x86_64 and aarch64). */
public final class Fcntl {
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_NONBLOCK = 0x800;
    public static final int O_CLOEXEC = 0x80000;
    public static final int F_GETFL = 3;
    public static final int F_SETFL = 4;
    public static final int F_DUPFD_CLOEXEC = 1030;

    private Fcntl() {
    }
}
