package io.uniswitch.netlab;

/** The QEMU guest did not reach its ready marker: QEMU exited, the guest's init failed, or the boot timed out. */
public final class GuestBootException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    GuestBootException(String message) {
        super(message);
    }
}
