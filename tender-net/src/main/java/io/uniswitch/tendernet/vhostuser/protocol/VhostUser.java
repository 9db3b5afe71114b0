package io.uniswitch.tendernet.vhostuser.protocol;

/**
 * Numbers of the vhost-user protocol (QEMU's docs/interop/vhost-user.rst) and the virtio feature bits the back-end
 * deals in. Requests are front-end to back-end; all fields are native byte order (little-endian on the hosts we run
 * on).
 */
public final class VhostUser {
    private VhostUser() {
    }

    public static final int HEADER_BYTES = 12;
    /** flags: the protocol version in bits 0-1, a reply, a request that wants a REPLY_ACK. */
    public static final int VERSION = 0x1;
    public static final int VERSION_MASK = 0x3;
    public static final int FLAG_REPLY = 0x4;
    public static final int FLAG_NEED_REPLY = 0x8;

    public static final int GET_FEATURES = 1;
    public static final int SET_FEATURES = 2;
    public static final int SET_OWNER = 3;
    public static final int RESET_OWNER = 4;
    public static final int SET_MEM_TABLE = 5;
    public static final int SET_LOG_BASE = 6;
    public static final int SET_LOG_FD = 7;
    public static final int SET_VRING_NUM = 8;
    public static final int SET_VRING_ADDR = 9;
    public static final int SET_VRING_BASE = 10;
    public static final int GET_VRING_BASE = 11;
    public static final int SET_VRING_KICK = 12;
    public static final int SET_VRING_CALL = 13;
    public static final int SET_VRING_ERR = 14;
    public static final int GET_PROTOCOL_FEATURES = 15;
    public static final int SET_PROTOCOL_FEATURES = 16;
    public static final int GET_QUEUE_NUM = 17;
    public static final int SET_VRING_ENABLE = 18;
    public static final int SEND_RARP = 19;
    public static final int NET_SET_MTU = 20;
    public static final int GET_CONFIG = 24;
    public static final int SET_CONFIG = 25;
    public static final int RESET_DEVICE = 34;
    public static final int GET_MAX_MEM_SLOTS = 36;
    public static final int SET_STATUS = 39;
    public static final int GET_STATUS = 40;

    /** SET_VRING_KICK/CALL/ERR payload: queue index in bits 0-7; bit 8 set means no fd came with it. */
    public static final long VRING_INDEX_MASK = 0xff;
    public static final long VRING_NOFD = 0x100;

    public static final int VIRTIO_NET_F_MAC = 5;
    public static final int VIRTIO_NET_F_MRG_RXBUF = 15;
    public static final int VIRTIO_RING_F_INDIRECT_DESC = 28;
    public static final int VIRTIO_RING_F_EVENT_IDX = 29;
    public static final int VHOST_USER_F_PROTOCOL_FEATURES = 30;
    public static final int VIRTIO_F_VERSION_1 = 32;

    public static final int PROTOCOL_F_MQ = 0;
    public static final int PROTOCOL_F_REPLY_ACK = 3;

    /** A request's name for errors and logs, e.g. {@code SET_MEM_TABLE}, or {@code request 77}. */
    public static String name(int request) {
        switch (request) {
            case GET_FEATURES: return "GET_FEATURES";
            case SET_FEATURES: return "SET_FEATURES";
            case SET_OWNER: return "SET_OWNER";
            case RESET_OWNER: return "RESET_OWNER";
            case SET_MEM_TABLE: return "SET_MEM_TABLE";
            case SET_LOG_BASE: return "SET_LOG_BASE";
            case SET_LOG_FD: return "SET_LOG_FD";
            case SET_VRING_NUM: return "SET_VRING_NUM";
            case SET_VRING_ADDR: return "SET_VRING_ADDR";
            case SET_VRING_BASE: return "SET_VRING_BASE";
            case GET_VRING_BASE: return "GET_VRING_BASE";
            case SET_VRING_KICK: return "SET_VRING_KICK";
            case SET_VRING_CALL: return "SET_VRING_CALL";
            case SET_VRING_ERR: return "SET_VRING_ERR";
            case GET_PROTOCOL_FEATURES: return "GET_PROTOCOL_FEATURES";
            case SET_PROTOCOL_FEATURES: return "SET_PROTOCOL_FEATURES";
            case GET_QUEUE_NUM: return "GET_QUEUE_NUM";
            case SET_VRING_ENABLE: return "SET_VRING_ENABLE";
            case SEND_RARP: return "SEND_RARP";
            case NET_SET_MTU: return "NET_SET_MTU";
            case GET_CONFIG: return "GET_CONFIG";
            case SET_CONFIG: return "SET_CONFIG";
            case RESET_DEVICE: return "RESET_DEVICE";
            case GET_MAX_MEM_SLOTS: return "GET_MAX_MEM_SLOTS";
            case SET_STATUS: return "SET_STATUS";
            case GET_STATUS: return "GET_STATUS";
            default: return "request " + request;
        }
    }

    /**
     * The payload size a request must have, or -1 when it varies (SET_MEM_TABLE, config space) and is checked where
     * it is parsed. A message of another size is a protocol error.
     */
    public static int payloadBytes(int request) {
        switch (request) {
            case GET_FEATURES:
            case SET_OWNER:
            case RESET_OWNER:
            case GET_PROTOCOL_FEATURES:
            case GET_QUEUE_NUM:
            case RESET_DEVICE:
            case GET_MAX_MEM_SLOTS:
            case GET_STATUS:
                return 0;
            case SET_FEATURES:
            case SET_PROTOCOL_FEATURES:
            case SET_VRING_KICK:
            case SET_VRING_CALL:
            case SET_VRING_ERR:
            case SET_LOG_FD:
            case SET_STATUS:
                return 8;
            case SET_VRING_NUM:
            case SET_VRING_BASE:
            case GET_VRING_BASE:
            case SET_VRING_ENABLE:
                return 8;
            case SET_VRING_ADDR:
                return 40;
            case SEND_RARP:
                return 8;
            case NET_SET_MTU:
                return 8;
            default:
                return -1;
        }
    }
}
