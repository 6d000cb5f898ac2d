package io.hadb.protocol.wire;

/** Why a datagram was dropped, in the order the decoder checks. */
public enum DropReason {
    /** Shorter than its header or than the lengths it declares. */
    TRUNCATED,
    /** Longer than {@link Frame#MAX_FRAME} bytes. */
    OVERSIZED,
    /** Does not start with "HADB": not ours at all. */
    BAD_MAGIC,
    /** A frame version this build does not speak. */
    UNKNOWN_VERSION,
    /** Another cluster's frame (same port, other cluster id). */
    OTHER_CLUSTER,
    /** The HMAC does not match: wrong key, or bits changed on the way. */
    BAD_MAC,
    /** Seen before, or older than the sender's replay window or incarnation. */
    REPLAY,
    /** A sender id that is not configured (or this node's own id). */
    UNKNOWN_SENDER,
    /** Authenticated, but the body does not parse: a bug or a version mismatch on the sender. */
    MALFORMED_BODY
}
