package io.uniswitch.tendernet.vhostuser.protocol;

/**
 * A front-end broke the protocol or asked for something the back-end cannot do: the message names the request and
 * what was wrong. The connection is closed and the device reset; the rest of the switch carries on.
 */
public final class ProtocolException extends Exception {
    private static final long serialVersionUID = 1L;

    public ProtocolException(String message) {
        super(message);
    }
}
