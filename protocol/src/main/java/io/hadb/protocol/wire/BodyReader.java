package io.hadb.protocol.wire;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Big-endian reader over a byte range that reports every overrun as {@link Malformed}, never anything else. */
final class BodyReader {
    /** The body does not parse. Cheap: no stack trace, it is an expected outcome. */
    static final class Malformed extends Exception {
        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    private final byte[] buf;
    private int pos;
    private final int end;

    BodyReader(byte[] buf, int offset, int length) {
        this.buf = buf;
        this.pos = offset;
        this.end = offset + length;
    }

    private void need(int n, String what) throws Malformed {
        if (end - pos < n) throw new Malformed("body ends inside " + what);
    }

    int u8(String what) throws Malformed {
        need(1, what);
        return buf[pos++] & 0xFF;
    }

    boolean bool(String what) throws Malformed {
        int v = u8(what);
        if (v > 1) throw new Malformed(what + " is neither 0 nor 1");
        return v == 1;
    }

    int u16(String what) throws Malformed {
        need(2, what);
        int v = ((buf[pos] & 0xFF) << 8) | (buf[pos + 1] & 0xFF);
        pos += 2;
        return v;
    }

    long i64(String what) throws Malformed {
        need(8, what);
        long v = 0;
        for (int i = 0; i < 8; i++) v = (v << 8) | (buf[pos++] & 0xFF);
        return v;
    }

    String string(String what) throws Malformed {
        int n = u16(what + " length");
        need(n, what);
        try {
            String s = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(buf, pos, n)).toString();
            pos += n;
            return s;
        } catch (CharacterCodingException e) {
            throw new Malformed(what + " is not valid UTF-8");
        }
    }

    void end() throws Malformed {
        if (pos != end) throw new Malformed((end - pos) + " bytes left after the body");
    }
}
