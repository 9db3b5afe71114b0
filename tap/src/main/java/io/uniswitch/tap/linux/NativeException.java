package io.uniswitch.tap.linux;

/**
 * A system call failed on the control path. The message names the call, the object it acted on, the errno and
 * what to do about it: {@code "TUNSETIFF tap100: EBUSY (device held by another process)"}. Immutable.
 *
 * <p>The data path never throws this for conditions it expects (EAGAIN, ENOBUFS, a link that is down); those come
 * back as status values.
 */
public final class NativeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Hint for EPERM and EACCES on anything that configures interfaces. */
    public static final String HINT_CAP_NET_ADMIN = "needs CAP_NET_ADMIN (run as root or grant the capability)";
    /** Hint for ENODEV and ENXIO when an interface is looked up by name. */
    public static final String HINT_NO_SUCH_INTERFACE = "no such interface; check the name with `ip link`";

    private final String call;
    private final String object;
    private final int errno;

    /**
     * @param call   the system call or ioctl, e.g. {@code "TUNSETIFF"}
     * @param object what it acted on, e.g. the interface name; may be null or empty
     * @param errno  the positive errno
     * @param hint   what to do; null or empty means the {@code strerror} text
     */
    public NativeException(String call, String object, int errno, String hint) {
        super(format(call, object, errno, hint));
        this.call = call;
        this.object = object;
        this.errno = errno;
    }

    /** Builds an exception with the hint {@link #defaultHint(int)} gives. */
    public static NativeException of(String call, String object, int errno) {
        return new NativeException(call, object, errno, defaultHint(errno));
    }

    /** The hint for errors whose meaning does not depend on the call: permissions and missing interfaces. */
    public static String defaultHint(int errno) {
        switch (errno) {
            case Errno.EPERM:
            case Errno.EACCES:
                return HINT_CAP_NET_ADMIN;
            case Errno.ENODEV:
                return HINT_NO_SUCH_INTERFACE;
            default:
                return Errno.describe(errno);
        }
    }

    public String call() {
        return call;
    }

    public String object() {
        return object;
    }

    public int errno() {
        return errno;
    }

    /** The C name of {@link #errno()}, e.g. {@code "EBUSY"}. */
    public String errnoName() {
        return Errno.name(errno);
    }

    private static String format(String call, String object, int errno, String hint) {
        final StringBuilder sb = new StringBuilder(64).append(call);
        if (object != null && !object.isEmpty()) {
            sb.append(' ').append(object);
        }
        sb.append(": ").append(Errno.name(errno)).append(" (");
        sb.append(hint == null || hint.isEmpty() ? Errno.describe(errno) : hint);
        return sb.append(')').toString();
    }
}
