package io.uniswitch.tap.linux;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.Variadic;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * The libc functions the tap module calls through jnr-ffi; get the loaded instance from {@link Syscall#LIBC}.
 * Every function returns -1 and sets errno on failure; read errno with {@link Syscall#errno()} on the same thread,
 * before any other native call.
 *
 * <p>No method may have exactly six primitive parameters: jnr-ffi 2.2.17 corrupts the sixth (jnr-ffi issue #181,
 * seen on mmap). {@code LibCTest} enforces this. Buffers on the data path are passed as raw addresses ({@code long})
 * so that a call allocates nothing.
 */
public interface LibC {
    int open(CharSequence path, int flags);

    int close(int fd);

    /** ioctl with a pointer argument (TUNSETIFF, TUNSETVNETHDRSZ, SIOC*). Variadic in C, hence the annotation. */
    @Variadic(fixedCount = 2)
    int ioctl(int fd, long request, Pointer arg);

    /** ioctl with a by-value argument (TUNSETPERSIST, TUNSETOWNER, TUNSETGROUP, TUNSETOFFLOAD). */
    @Variadic(fixedCount = 2)
    int ioctl(int fd, long request, long value);

    int socket(int domain, int type, int protocol);

    /** socketpair(2): the two fds land in {@code fds[0]} and {@code fds[1]} (8 bytes of native memory). */
    int socketpair(int domain, int type, int protocol, Pointer fds);

    int bind(int fd, Pointer address, int addressLength);

    int listen(int fd, int backlog);

    int connect(int fd, Pointer address, int addressLength);

    /** accept4; pass null address and length when the peer's address is not wanted. */
    int accept4(int fd, Pointer address, Pointer addressLength, int flags);

    /** recvfrom into a raw buffer; the peer's address lands in {@code address} (a Pointer: see the class note). */
    @ssize_t
    long recvfrom(int fd, long bufferAddress, @size_t long count, int flags, Pointer address, Pointer addressLength);

    /** sendto from a raw buffer to {@code address} (a Pointer: see the class note). */
    @ssize_t
    long sendto(int fd, long bufferAddress, @size_t long count, int flags, Pointer address, int addressLength);

    int setsockopt(int fd, int level, int option, Pointer value, int valueLength);

    int getsockopt(int fd, int level, int option, Pointer value, Pointer valueLength);

    @ssize_t
    long read(int fd, long bufferAddress, @size_t long count);

    @ssize_t
    long write(int fd, long bufferAddress, @size_t long count);

    /**
     * mmap. The first parameter is a {@code Pointer} (pass null) on purpose: an all-primitive six-argument signature
     * gets a corrupted sixth argument (jnr-ffi issue #181). Returns the address, or {@link Mman#MAP_FAILED}.
     */
    long mmap(Pointer address, @size_t long length, int prot, int flags, int fd, long offset);

    int munmap(long address, @size_t long length);

    /** recvmsg(2) into a caller-laid {@code struct msghdr} (see {@link SysSocket#MSGHDR_SIZE}). */
    long recvmsg(int fd, Pointer message, int flags);

    /** sendmsg(2) from a caller-laid {@code struct msghdr}. */
    long sendmsg(int fd, Pointer message, int flags);

    /** signal(2) with a constant disposition (0 = SIG_DFL, 1 = SIG_IGN); returns the previous one. */
    long signal(int signal, long disposition);

    /** shutdown(2): SHUT_RDWR (2) wakes a thread blocked in accept() or read() on the socket. */
    int shutdown(int fd, int how);

    /** fcntl(2) with an int argument (F_GETFL, F_SETFL, F_DUPFD_CLOEXEC). */
    int fcntl(int fd, int command, int argument);

    /** eventfd(2): a counter fd for kicks and calls. */
    int eventfd(int initialValue, int flags);

    /** memfd_create(2): anonymous shareable memory (guest RAM in tests). */
    int memfd_create(CharSequence name, int flags);

    /** lseek(2); with SEEK_END and offset 0, the size of a file or memfd. */
    long lseek(int fd, long offset, int whence);

    /** ftruncate(2). */
    int ftruncate(int fd, long length);

    /** sendmmsg over a caller-laid array of {@code struct mmsghdr} at {@code messagesAddress}; see {@link Mman}. */
    int sendmmsg(int fd, long messagesAddress, int count, int flags);
}
