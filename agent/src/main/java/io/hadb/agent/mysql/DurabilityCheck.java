package io.hadb.agent.mysql;

import java.util.ArrayList;
import java.util.List;

/**
 * Whether the server's settings make an acknowledged commit survive a crash, judged from the
 * values the server reports. With DRBD protocol C every block the server has flushed is on both
 * nodes, so what matters is that it flushes at commit: innodb_flush_log_at_trx_commit=1, and
 * sync_binlog=1 so that the binary log (when on) never lags behind InnoDB after a failover.
 */
public final class DurabilityCheck {
    private DurabilityCheck() {
    }

    /**
     * @param flushLogAtTrxCommit @@innodb_flush_log_at_trx_commit, or null if the server has no such variable
     * @param syncBinlog @@sync_binlog, or null
     * @param logBin @@log_bin ("1"/"ON" when the binary log is on), or null
     * @return one sentence per problem, empty when both are 1
     */
    public static List<String> problems(String flushLogAtTrxCommit, String syncBinlog, String logBin) {
        List<String> problems = new ArrayList<>();
        if (flushLogAtTrxCommit == null) {
            problems.add("innodb_flush_log_at_trx_commit could not be read (is InnoDB enabled?)");
        } else if (!flushLogAtTrxCommit.strip().equals("1")) {
            problems.add("innodb_flush_log_at_trx_commit=" + flushLogAtTrxCommit.strip() + ": InnoDB does not flush its"
                    + " log at every commit, so a crash or failover can lose about a second of acknowledged"
                    + " commits; set innodb_flush_log_at_trx_commit=1");
        }
        boolean binlogOn = logBin != null && (logBin.equals("1") || logBin.equalsIgnoreCase("ON"));
        if (syncBinlog == null) {
            problems.add("sync_binlog could not be read");
        } else if (!syncBinlog.strip().equals("1")) {
            problems.add("sync_binlog=" + syncBinlog.strip()
                    + (syncBinlog.strip().equals("0") ? " (MariaDB's default)" : "")
                    + ": the binary log is not flushed at every commit, so after a crash or failover it can"
                    + " miss transactions that InnoDB kept"
                    + (binlogOn ? "" : " (the binary log is off now, but the setting applies as soon as it is"
                    + " turned on)")
                    + "; set sync_binlog=1");
        }
        return problems;
    }
}
