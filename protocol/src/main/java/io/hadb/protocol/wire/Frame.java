package io.hadb.protocol.wire;

import java.nio.charset.StandardCharsets;

/**
 * The frame layout, version 2 (bodies as in {@link BodyCodec}). All integers big-endian.
 *
 * <pre>
 *   magic "HADB" (4) | version (1) | cluster id length (1) + cluster id (UTF-8, 1..64)
 *   | sender id (u16) | sender incarnation (u64) | sequence (u64) | link (u8) | type (u8)
 *   | body length (u16) + body | HMAC-SHA256 over everything before it (32)
 * </pre>
 */
public final class Frame {
    public static final byte[] MAGIC = "HADB".getBytes(StandardCharsets.US_ASCII);
    public static final int VERSION = 2;
    /** Largest datagram either side handles; a heartbeat with a full record stays far below it. */
    public static final int MAX_FRAME = 8192;
    public static final int MAC_LENGTH = 32;
    public static final int MAX_CLUSTER_ID = 64;
    /** Bytes after the cluster id up to and including the body length. */
    static final int FIXED_AFTER_CLUSTER = 2 + 8 + 8 + 1 + 1 + 2;
    public static final String MAC_ALGORITHM = "HmacSHA256";

    private Frame() {}

    /** Smallest possible frame for a cluster id of {@code clusterIdLength} bytes and an empty body. */
    static int minimumLength(int clusterIdLength) {
        return MAGIC.length + 1 + 1 + clusterIdLength + FIXED_AFTER_CLUSTER + MAC_LENGTH;
    }
}
