package io.hadb.agent.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadb.protocol.ClusterRecord;
import io.hadb.protocol.DataState;
import io.hadb.protocol.PersistentState;
import io.hadb.protocol.RecordVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateStoreTest {
    @TempDir
    Path dir;

    @Test
    void firstStartIsInitialAndSavedStateComesBack() throws Exception {
        StateStore s = new StateStore(dir.resolve("data"));
        s.prepare();
        assertEquals(PersistentState.INITIAL, s.load());
        var rec = new ClusterRecord(new RecordVersion(4, 9), 2, Map.of(1, DataState.outdatedSince(3)), Set.of(1), true, "x");
        PersistentState p = new PersistentState(4, 2, rec);
        s.save(p);
        assertEquals(p, new StateStore(dir.resolve("data")).load());
        assertFalse(Files.exists(dir.resolve("data/state.tmp")));
    }

    @Test
    void aCorruptStateFileRefusesTheStart() throws Exception {
        StateStore s = new StateStore(dir);
        s.save(new PersistentState(7, 1, ClusterRecord.EMPTY));
        byte[] b = Files.readAllBytes(s.file());
        b[10] ^= 1;
        Files.write(s.file(), b);
        var e = assertThrows(StateStore.CorruptStateException.class, s::load);
        assertTrue(e.getMessage().contains("refusing to start"), e.getMessage());
        Files.write(s.file(), new byte[0]);
        assertThrows(StateStore.CorruptStateException.class, s::load);
    }

    @Test
    void incarnationsGrowAcrossStarts() throws Exception {
        long a = IncarnationStore.next(dir);
        long b = IncarnationStore.next(dir);
        assertTrue(b > a);
    }
}
