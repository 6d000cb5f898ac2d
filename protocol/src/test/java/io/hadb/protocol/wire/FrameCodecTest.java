package io.hadb.protocol.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.hadb.protocol.ClusterRecord;
import io.hadb.protocol.Message;
import io.hadb.protocol.RecordVersion;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FrameCodecTest {
    static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    static final byte[] OTHER_KEY = "fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.US_ASCII);
    static final Set<Integer> NODES = Set.of(1, 2, 3);

    static FrameDecoder decoder() {
        return new FrameDecoder("prod-db", 2, NODES, KEY);
    }

    static FrameEncoder encoder() {
        return new FrameEncoder("prod-db", 1, 1000, KEY);
    }

    static DecodeResult.Dropped dropped(DecodeResult r) {
        return assertInstanceOf(DecodeResult.Dropped.class, r, () -> "expected a drop, got " + r);
    }

    @Test
    void everyMessageTypeRoundTripsWithRandomValues() {
        for (long s = 0; s < 300; s++) {
            final long seed = s;
            RandomMessages rm = new RandomMessages(seed);
            FrameEncoder enc = encoder();
            FrameDecoder dec = decoder();
            for (Message m : rm.oneOfEach()) {
                int link = (int) (seed % 2);
                DecodeResult r = dec.decode(enc.encode(link, m));
                DecodeResult.Ok ok = assertInstanceOf(DecodeResult.Ok.class, r, () -> "seed " + seed + ": " + r);
                assertEquals(m, ok.message(), "seed " + seed);
                assertEquals(1, ok.from());
                assertEquals(1000, ok.incarnation());
                assertEquals(enc.lastSequence(), ok.seq());
                assertEquals(link, ok.link());
            }
        }
    }

    @Test
    void longTextIsCutAtACharacterBoundaryAndStillDecodes() {
        String reason = "é".repeat(3000); // 6000 bytes of UTF-8
        var rec = new ClusterRecord(new RecordVersion(1, 1), 1, Map.of(), Set.of(), false, reason);
        DecodeResult r = decoder().decode(encoder().encode(0, new Message.Heartbeat(1, 1, rec, RecordVersion.ZERO, 5, 6)));
        var hb = (Message.Heartbeat) assertInstanceOf(DecodeResult.Ok.class, r).message();
        assertTrue(reason.startsWith(hb.record().lastReason()));
        assertTrue(hb.record().lastReason().length() >= BodyCodec.MAX_TEXT / 2 - 1);
    }

    @Test
    void eachDropReason() {
        Message ping = new Message.Ping(1, 0, RecordVersion.ZERO, 5, 6);
        byte[] good = encoder().encode(0, ping);
        assertEquals(DropReason.TRUNCATED, dropped(decoder().decode(new byte[0])).reason());
        assertEquals(DropReason.TRUNCATED, dropped(decoder().decode(Arrays.copyOf(good, 20))).reason());
        assertEquals(DropReason.OVERSIZED, dropped(decoder().decode(new byte[Frame.MAX_FRAME + 1])).reason());
        byte[] magic = good.clone();
        magic[0] = 'X';
        assertEquals(DropReason.BAD_MAGIC, dropped(decoder().decode(magic)).reason());
        byte[] version = good.clone();
        version[4] = 1; // the layout before the force flag
        assertEquals(DropReason.UNKNOWN_VERSION, dropped(decoder().decode(version)).reason());
        byte[] other = new FrameEncoder("test-db", 1, 1000, KEY).encode(0, ping);
        assertEquals(DropReason.OTHER_CLUSTER, dropped(decoder().decode(other)).reason());
        byte[] wrongKey = new FrameEncoder("prod-db", 1, 1000, OTHER_KEY).encode(0, ping);
        assertEquals(DropReason.BAD_MAC, dropped(decoder().decode(wrongKey)).reason());
        byte[] stranger = new FrameEncoder("prod-db", 9, 1000, KEY).encode(0, ping);
        assertEquals(DropReason.UNKNOWN_SENDER, dropped(decoder().decode(stranger)).reason());
        byte[] self = new FrameEncoder("prod-db", 2, 1000, KEY).encode(0, ping);
        assertEquals(DropReason.UNKNOWN_SENDER, dropped(decoder().decode(self)).reason());
        FrameDecoder dec = decoder();
        assertInstanceOf(DecodeResult.Ok.class, dec.decode(good));
        assertEquals(DropReason.REPLAY, dropped(dec.decode(good)).reason());
        byte[] unknownType = signedFrame(99, new byte[0]);
        assertEquals(DropReason.MALFORMED_BODY, dropped(decoder().decode(unknownType)).reason());
        byte[] shortBody = signedFrame(MessageType.HEARTBEAT.code, new byte[] {0, 0, 0});
        assertEquals(DropReason.MALFORMED_BODY, dropped(decoder().decode(shortBody)).reason());
        byte[] badBool = signedFrame(MessageType.VOTE_RESPONSE.code, new byte[] {0, 0, 0, 0, 0, 0, 0, 1, 7});
        assertEquals(DropReason.MALFORMED_BODY, dropped(decoder().decode(badBool)).reason());
        byte[] trailing = signedFrame(MessageType.TIMEOUT_NOW.code, new byte[9]);
        assertEquals(DropReason.MALFORMED_BODY, dropped(decoder().decode(trailing)).reason());
    }

    @Test
    void aMalformedBodyDoesNotUseUpItsSequenceNumber() {
        FrameDecoder dec = decoder();
        assertEquals(DropReason.MALFORMED_BODY, dropped(dec.decode(signedFrame(99, new byte[0]))).reason());
        assertInstanceOf(DecodeResult.Ok.class, dec.decode(signedFrame(MessageType.TIMEOUT_NOW.code, new byte[8])));
    }

    /** A correctly signed frame (sender 1, sequence 5) around an arbitrary type and body. */
    static byte[] signedFrame(int type, byte[] body) {
        byte[] id = "prod-db".getBytes(StandardCharsets.UTF_8);
        BodyWriter w = new BodyWriter();
        w.bytes(Frame.MAGIC).u8(Frame.VERSION).u8(id.length).bytes(id).u16(1).i64(1000).i64(5).u8(0).u8(type)
                .u16(body.length).bytes(body);
        byte[] unsigned = w.toByteArray();
        w.bytes(new Hmac(KEY).of(unsigned, 0, unsigned.length));
        return w.toByteArray();
    }

    @Test
    void everySingleBitFlipIsDroppedByTheMacOrAnEarlierHeaderCheck() {
        RandomMessages rm = new RandomMessages(7);
        for (Message m : rm.oneOfEach()) {
            byte[] good = encoder().encode(1, m);
            for (int bit = 0; bit < good.length * 8; bit++) {
                byte[] f = good.clone();
                f[bit / 8] ^= (byte) (1 << (bit % 8));
                DecodeResult.Dropped d = dropped(decoder().decode(f));
                int at = bit / 8;
                DropReason expected = at < 4 ? DropReason.BAD_MAGIC : at == 4 ? DropReason.UNKNOWN_VERSION : null;
                if (expected != null) {
                    assertEquals(expected, d.reason(), "bit " + bit);
                } else if (at == 5) {
                    assertTrue(d.reason() == DropReason.TRUNCATED || d.reason() == DropReason.OTHER_CLUSTER,
                            "bit " + bit + ": " + d);
                } else if (at < 6 + 7) {
                    assertEquals(DropReason.OTHER_CLUSTER, d.reason(), "bit " + bit);
                } else {
                    assertEquals(DropReason.BAD_MAC, d.reason(), "bit " + bit);
                }
            }
        }
    }

    @Test
    void fuzzedFramesNeverThrowAndNeverPassWithoutTheKey() {
        Random r = new Random(42);
        RandomMessages rm = new RandomMessages(43);
        FrameEncoder enc = encoder();
        FrameDecoder dec = decoder();
        Map<DropReason, Integer> seen = new EnumMap<>(DropReason.class);
        for (int i = 0; i < 20_000; i++) {
            byte[] f;
            switch (r.nextInt(5)) {
                case 0 -> {
                    f = new byte[r.nextInt(200)];
                    r.nextBytes(f);
                }
                case 1 -> { // valid header, random tail
                    byte[] good = enc.encode(0, rm.message());
                    f = Arrays.copyOf(good, good.length);
                    for (int k = 20 + r.nextInt(good.length - 20); k < f.length; k++) f[k] ^= (byte) (1 + r.nextInt(255));
                }
                case 2 -> { // truncated or extended
                    byte[] good = enc.encode(0, rm.message());
                    int delta = r.nextInt(39) - 30;
                    f = Arrays.copyOf(good, Math.max(0, good.length + (delta >= 0 ? delta + 1 : delta)));
                }
                case 3 -> { // several random byte changes
                    f = enc.encode(0, rm.message());
                    // distinct positions: two changes of one byte could cancel out
                    java.util.Set<Integer> at = new java.util.HashSet<>();
                    for (int k = 1 + r.nextInt(4); k > 0; k--) at.add(r.nextInt(f.length));
                    for (int k : at) f[k] ^= (byte) (1 + r.nextInt(255));
                }
                default -> {
                    f = new byte[Frame.MAX_FRAME + 1 + r.nextInt(1000)];
                    System.arraycopy(enc.encode(0, rm.message()), 0, f, 0, 50);
                }
            }
            DecodeResult res = dec.decode(f);
            DecodeResult.Dropped d = dropped(res);
            seen.merge(d.reason(), 1, Integer::sum);
        }
        for (DropReason expected : new DropReason[] {DropReason.TRUNCATED, DropReason.OVERSIZED,
                DropReason.BAD_MAGIC, DropReason.BAD_MAC})
            assertTrue(seen.containsKey(expected), "fuzzing never produced " + expected + ": " + seen);
    }

    @Test
    void reorderedFramesWithinTheWindowAreAcceptedOnceAndANewIncarnationIsAccepted() {
        FrameEncoder enc = encoder();
        FrameDecoder dec = decoder();
        Message m = new Message.TimeoutNow(3);
        byte[] f10 = enc.encode(0, m, 10);
        byte[] f8 = enc.encode(0, m, 8);
        assertInstanceOf(DecodeResult.Ok.class, dec.decode(f10));
        assertInstanceOf(DecodeResult.Ok.class, dec.decode(f8));
        assertEquals(DropReason.REPLAY, dropped(dec.decode(f8)).reason());
        FrameEncoder restarted = new FrameEncoder("prod-db", 1, 2000, KEY);
        assertInstanceOf(DecodeResult.Ok.class, dec.decode(restarted.encode(0, m)));
        assertEquals(DropReason.REPLAY, dropped(dec.decode(enc.encode(0, m, 11))).reason(),
                "a frame of the previous incarnation after the new one is a replay");
    }

    @Test
    void encoderRefusesWhatCannotBeSent() {
        assertThrows(IllegalArgumentException.class, () -> new FrameEncoder("", 1, 1, KEY));
        assertThrows(IllegalArgumentException.class, () -> new FrameEncoder("x".repeat(65), 1, 1, KEY));
        assertThrows(IllegalArgumentException.class, () -> new FrameEncoder("c", 0, 1, KEY));
        assertThrows(IllegalArgumentException.class, () -> new FrameEncoder("c", 1, 1, new byte[0]));
        assertArrayEquals(Frame.MAGIC, Arrays.copyOf(encoder().encode(0, new Message.TimeoutNow(1)), 4));
    }
}
