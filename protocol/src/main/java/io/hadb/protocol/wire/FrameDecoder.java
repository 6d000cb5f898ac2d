package io.hadb.protocol.wire;

import io.hadb.protocol.Message;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Checks and opens frames. Never throws on what arrives: every datagram gives an {@link DecodeResult.Ok} or a
 * {@link DecodeResult.Dropped} with its reason. Header fields before the MAC are checked only to drop
 * foreign traffic cheaply; everything else is read only after the MAC matched. Keeps one
 * {@link ReplayWindow} per sender; not thread-safe.
 */
public final class FrameDecoder {
    private final byte[] clusterId;
    private final int self;
    private final Set<Integer> senders;
    private final Hmac hmac;
    private final Map<Integer, ReplayWindow> windows = new HashMap<>();

    /**
     * @param self    this node's id: frames claiming to come from it are dropped (a reflection)
     * @param senders every configured node id
     */
    public FrameDecoder(String clusterId, int self, Set<Integer> senders, byte[] key) {
        this.clusterId = clusterId.getBytes(StandardCharsets.UTF_8);
        this.self = self;
        this.senders = Set.copyOf(senders);
        this.hmac = new Hmac(key);
    }

    public DecodeResult decode(byte[] frame) {
        return decode(frame, 0, frame == null ? 0 : frame.length);
    }

    public DecodeResult decode(byte[] buf, int offset, int length) {
        try {
            return decodeChecked(buf, offset, length);
        } catch (RuntimeException e) {
            // Defence in depth: a bug in a check must drop the datagram, never stop the receiving loop.
            return new DecodeResult.Dropped(DropReason.MALFORMED_BODY, "decoder error " + e.getClass().getSimpleName());
        }
    }

    private DecodeResult decodeChecked(byte[] buf, int off, int len) {
        if (buf == null || len <= 0) return drop(DropReason.TRUNCATED, "empty datagram");
        if (len > Frame.MAX_FRAME) return drop(DropReason.OVERSIZED, len + " bytes, limit " + Frame.MAX_FRAME);
        if (len < Frame.MAGIC.length) return drop(DropReason.TRUNCATED, len + " bytes");
        for (int i = 0; i < Frame.MAGIC.length; i++)
            if (buf[off + i] != Frame.MAGIC[i]) return drop(DropReason.BAD_MAGIC, "not an hadb frame");
        if (len < 6) return drop(DropReason.TRUNCATED, len + " bytes");
        int version = buf[off + 4] & 0xFF;
        if (version != Frame.VERSION) return drop(DropReason.UNKNOWN_VERSION, "frame version " + version);
        int idLen = buf[off + 5] & 0xFF;
        if (len < Frame.minimumLength(idLen)) return drop(DropReason.TRUNCATED, len + " bytes");
        if (!MessageDigest.isEqual(slice(buf, off + 6, idLen), clusterId))
            return drop(DropReason.OTHER_CLUSTER, "cluster id of " + idLen + " bytes differs");
        int signed = len - Frame.MAC_LENGTH;
        byte[] expected = hmac.of(buf, off, signed);
        if (!MessageDigest.isEqual(expected, slice(buf, off + signed, Frame.MAC_LENGTH)))
            return drop(DropReason.BAD_MAC, "wrong key or altered frame");
        // authenticated from here on
        BodyReader h = new BodyReader(buf, off + 6 + idLen, signed - 6 - idLen);
        int from;
        long inc;
        long seq;
        int link;
        int typeCode;
        int bodyLen;
        try {
            from = h.u16("sender");
            inc = h.i64("incarnation");
            seq = h.i64("sequence");
            link = h.u8("link");
            typeCode = h.u8("type");
            bodyLen = h.u16("body length");
        } catch (BodyReader.Malformed e) {
            return drop(DropReason.TRUNCATED, e.getMessage());
        }
        int bodyOff = off + 6 + idLen + Frame.FIXED_AFTER_CLUSTER;
        if (bodyOff + bodyLen != off + signed)
            return drop(DropReason.MALFORMED_BODY, "declared body of " + bodyLen + " bytes, frame holds "
                    + (off + signed - bodyOff));
        if (from == self || !senders.contains(from))
            return drop(DropReason.UNKNOWN_SENDER, from == self ? "own node id " + from : "node id " + from);
        ReplayWindow w = windows.computeIfAbsent(from, k -> new ReplayWindow());
        if (!w.fresh(inc, seq))
            return drop(DropReason.REPLAY, "node " + from + " incarnation " + inc + " sequence " + seq);
        MessageType type = MessageType.byCode(typeCode);
        if (type == null) return drop(DropReason.MALFORMED_BODY, "unknown message type " + typeCode);
        Message m;
        try {
            m = BodyCodec.decode(type, buf, bodyOff, bodyLen);
        } catch (BodyReader.Malformed e) {
            return drop(DropReason.MALFORMED_BODY, type + ": " + e.getMessage());
        }
        w.accept(inc, seq);
        return new DecodeResult.Ok(from, inc, seq, link, m);
    }

    private static byte[] slice(byte[] buf, int off, int len) {
        byte[] b = new byte[len];
        System.arraycopy(buf, off, b, 0, len);
        return b;
    }

    private static DecodeResult drop(DropReason r, String detail) {
        return new DecodeResult.Dropped(r, detail);
    }
}
