package io.hadb.protocol.wire;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Big-endian writer into a growing array. */
final class BodyWriter {
    private byte[] buf = new byte[128];
    private int len;

    private void ensure(int n) {
        if (len + n > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
    }

    BodyWriter u8(int v) {
        ensure(1);
        buf[len++] = (byte) v;
        return this;
    }

    BodyWriter bool(boolean v) {
        return u8(v ? 1 : 0);
    }

    BodyWriter u16(int v) {
        if (v < 0 || v > 0xFFFF) throw new IllegalArgumentException("value " + v + " does not fit 16 bits");
        ensure(2);
        buf[len++] = (byte) (v >>> 8);
        buf[len++] = (byte) v;
        return this;
    }

    BodyWriter i64(long v) {
        ensure(8);
        for (int s = 56; s >= 0; s -= 8) buf[len++] = (byte) (v >>> s);
        return this;
    }

    BodyWriter bytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, len, b.length);
        len += b.length;
        return this;
    }

    /** A u16-length-prefixed UTF-8 string, cut at a character boundary to at most {@code max} bytes. */
    BodyWriter string(String s, int max) {
        byte[] b = truncate(s == null ? "" : s, max);
        u16(b.length);
        return bytes(b);
    }

    static byte[] truncate(String s, int max) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length <= max) return b;
        int end = max;
        // step back over UTF-8 continuation bytes so the cut falls between characters
        while (end > 0 && (b[end] & 0xC0) == 0x80) end--;
        return Arrays.copyOf(b, end);
    }

    int length() {
        return len;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, len);
    }
}
