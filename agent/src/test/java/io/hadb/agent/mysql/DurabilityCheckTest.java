package io.hadb.agent.mysql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class DurabilityCheckTest {
    @Test
    void bothOneIsDurable() {
        assertEquals(List.of(), DurabilityCheck.problems("1", "1", "1"));
        assertEquals(List.of(), DurabilityCheck.problems("1", "1", "0"));
    }

    @Test
    void mariadbDefaultSyncBinlogIsReportedAsSuch() {
        List<String> p = DurabilityCheck.problems("1", "0", "0");
        assertEquals(1, p.size());
        assertTrue(p.get(0).startsWith("sync_binlog=0 (MariaDB's default)"), p.get(0));
        assertTrue(p.get(0).contains("binary log is off now"), p.get(0));
        assertTrue(p.get(0).contains("set sync_binlog=1"), p.get(0));
        List<String> on = DurabilityCheck.problems("1", "100", "ON");
        assertTrue(on.get(0).startsWith("sync_binlog=100:"), on.get(0));
        assertTrue(!on.get(0).contains("off now"), on.get(0));
    }

    @Test
    void lazyInnodbFlushIsReported() {
        for (String v : List.of("0", "2", "3")) {
            List<String> p = DurabilityCheck.problems(v, "1", "1");
            assertEquals(1, p.size());
            assertTrue(p.get(0).startsWith("innodb_flush_log_at_trx_commit=" + v + ":"), p.get(0));
        }
        assertEquals(2, DurabilityCheck.problems("2", "0", "1").size());
    }

    @Test
    void unreadableVariablesAreProblems() {
        List<String> p = DurabilityCheck.problems(null, null, null);
        assertEquals(2, p.size());
        assertTrue(p.get(0).contains("could not be read"));
    }
}
