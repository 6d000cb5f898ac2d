package io.hadb.protocol.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.hadb.protocol.PersistentState;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PersistentStateCodecTest {
    @Test
    void roundTrips() {
        for (long seed = 0; seed < 200; seed++) {
            RandomMessages rm = new RandomMessages(seed);
            PersistentState s = new PersistentState(Math.abs(rm.anyLong()), rm.nodeId(), rm.record());
            assertEquals(s, PersistentStateCodec.decode(PersistentStateCodec.encode(s)), "seed " + seed);
        }
        assertEquals(PersistentState.INITIAL, PersistentStateCodec.decode(PersistentStateCodec.encode(PersistentState.INITIAL)));
    }

    @Test
    void everyCorruptionIsRefusedWithAReason() {
        byte[] good = PersistentStateCodec.encode(new PersistentState(7, 2, new RandomMessages(1).record()));
        for (int i = 0; i < good.length; i++) {
            byte[] b = good.clone();
            b[i] ^= 0x10;
            assertThrows(IllegalArgumentException.class, () -> PersistentStateCodec.decode(b), "byte " + i);
        }
        for (int n = 0; n < good.length; n++) {
            byte[] b = Arrays.copyOf(good, n);
            assertThrows(IllegalArgumentException.class, () -> PersistentStateCodec.decode(b), "length " + n);
        }
    }
}
