package io.hadb.protocol.wire;

import io.hadb.protocol.Message;
import java.nio.charset.StandardCharsets;

/**
 * Builds authenticated frames for one sender incarnation, numbering them 1, 2, 3… Not thread-safe: one
 * per node, used from its single event loop.
 */
public final class FrameEncoder {
    private final byte[] clusterId;
    private final int self;
    private final long incarnation;
    private final Hmac hmac;
    private long seq;

    /**
     * @param incarnation see {@link Incarnation#next}: higher after every restart of this node
     * @param key         the cluster's shared key (not copied out anywhere, never logged)
     */
    public FrameEncoder(String clusterId, int self, long incarnation, byte[] key) {
        this.clusterId = clusterId.getBytes(StandardCharsets.UTF_8);
        if (this.clusterId.length == 0 || this.clusterId.length > Frame.MAX_CLUSTER_ID)
            throw new IllegalArgumentException("cluster id must be 1.." + Frame.MAX_CLUSTER_ID + " bytes of UTF-8");
        if (self < 1 || self > 0xFFFF) throw new IllegalArgumentException("node id must be 1..65535");
        this.self = self;
        this.incarnation = incarnation;
        this.hmac = new Hmac(key);
    }

    /** The next frame carrying {@code message} for link {@code link}. */
    public byte[] encode(int link, Message message) {
        return encode(link, message, ++seq);
    }

    /** A frame with an explicit sequence number: for tests that build replays and reorderings. */
    public byte[] encode(int link, Message message, long sequence) {
        if (link < 0 || link > 0xFF) throw new IllegalArgumentException("link must be 0..255");
        byte[] body = BodyCodec.encode(message);
        BodyWriter w = new BodyWriter();
        w.bytes(Frame.MAGIC).u8(Frame.VERSION).u8(clusterId.length).bytes(clusterId)
                .u16(self).i64(incarnation).i64(sequence).u8(link).u8(MessageType.of(message).code)
                .u16(body.length).bytes(body);
        byte[] unsigned = w.toByteArray();
        w.bytes(hmac.of(unsigned, 0, unsigned.length));
        if (w.length() > Frame.MAX_FRAME)
            throw new IllegalArgumentException("frame of " + w.length() + " bytes exceeds " + Frame.MAX_FRAME);
        return w.toByteArray();
    }

    public long incarnation() {
        return incarnation;
    }

    /** The sequence number of the last frame built. */
    public long lastSequence() {
        return seq;
    }
}
