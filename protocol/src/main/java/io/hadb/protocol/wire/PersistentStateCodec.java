package io.hadb.protocol.wire;

import io.hadb.protocol.PersistentState;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The state file's content: magic "HADBSTAT", format version (u8), term (i64), voted for (u16), the cluster
 * record in its wire encoding, then a CRC32C (u32) of everything before it. A file that does not check out is
 * an error for the operator, never a reason to start over from term 0.
 */
public final class PersistentStateCodec {
    private static final byte[] MAGIC = "HADBSTAT".getBytes(StandardCharsets.US_ASCII);
    private static final int FORMAT = 1;

    private PersistentStateCodec() {}

    public static byte[] encode(PersistentState s) {
        BodyWriter w = new BodyWriter();
        w.bytes(MAGIC).u8(FORMAT).i64(s.term()).u16(s.votedFor());
        BodyCodec.record(w, s.record());
        byte[] content = w.toByteArray();
        CRC32C crc = new CRC32C();
        crc.update(content);
        long c = crc.getValue();
        w.u16((int) (c >>> 16)).u16((int) (c & 0xFFFF));
        return w.toByteArray();
    }

    /** @throws IllegalArgumentException naming what is wrong with the content */
    public static PersistentState decode(byte[] b) {
        if (b.length < MAGIC.length + 1 + 4) throw new IllegalArgumentException("too short (" + b.length + " bytes)");
        for (int i = 0; i < MAGIC.length; i++)
            if (b[i] != MAGIC[i]) throw new IllegalArgumentException("not an hadb state file (bad magic)");
        int n = b.length - 4;
        CRC32C crc = new CRC32C();
        crc.update(b, 0, n);
        long stored = ((b[n] & 0xFFL) << 24) | ((b[n + 1] & 0xFFL) << 16) | ((b[n + 2] & 0xFFL) << 8) | (b[n + 3] & 0xFFL);
        if (crc.getValue() != stored) throw new IllegalArgumentException("checksum mismatch (corrupt or torn write)");
        int format = b[MAGIC.length] & 0xFF;
        if (format != FORMAT) throw new IllegalArgumentException("unknown state format " + format);
        BodyReader r = new BodyReader(b, MAGIC.length + 1, n - MAGIC.length - 1);
        try {
            long term = r.i64("term");
            int voted = r.u16("voted for");
            var record = BodyCodec.record(r);
            r.end();
            if (term < 0) throw new IllegalArgumentException("negative term " + term);
            return new PersistentState(term, voted, record);
        } catch (BodyReader.Malformed e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }
}
