package io.hadb.testbed.sandbox;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;

/**
 * One drill trial's outcome. Times are milliseconds from the fault's injection; -1 where it did not happen
 * (e.g. the old master's probe never closed because the fault needed no failover).
 *
 * @param downtimeMs    the longest stretch without an acknowledged commit, from the last one before the fault
 *                      until writes flowed again with the fault still in place
 * @param oldDownMs     fault → the old master's probe closed
 * @param markedDownMs  fault → the balancer marked the old master down
 * @param newUpMs       fault → the new master's probe open (after the old one closed)
 * @param markedUpMs    fault → the balancer marked the new master up
 * @param firstAckMs    fault → the acknowledged commit that ended the longest stretch without one
 * @param healDowntimeMs the longest stretch without an acknowledged commit from heal until resync
 * @param lostAcked     acknowledged rows missing on the master after resync
 * @param duplicates    rows found more than once
 * @param nonMasterAcks acknowledgements by a node that was not master at that moment
 * @param doubleHealthy samples (every 10 ms) in which both probes were open during the trial
 * @param error         why the trial did not complete, or null
 * @param operatorSteps what the heal had to do that the agents should have done themselves
 */
record DrillTrial(int number, FaultKind fault, String node, String oldMaster, String newMaster, long downtimeMs,
                  long oldDownMs, long markedDownMs, long newUpMs, long markedUpMs, long firstAckMs, long healDowntimeMs,
                  long acked, long lostAcked, long duplicates, long nonMasterAcks, long doubleHealthy, String error,
                  java.util.List<String> operatorSteps) {

    boolean passed() {
        return error == null && lostAcked == 0 && duplicates == 0 && nonMasterAcks == 0 && doubleHealthy == 0;
    }

    /** The live line printed as the trial ends. */
    String line() {
        return String.format(Locale.ROOT, "trial %d %-16s on %-7s master %s -> %s: downtime %s (old probe down %s, marked down"
                        + " %s, new probe up %s, marked up %s, first commit %s; heal %s), %d acked, lost %d, duplicates %d,"
                        + " by non-master %d, double-healthy %d%s",
                number, fault.cliName(), node == null ? "-" : node, oldMaster, newMaster == null ? "?" : newMaster,
                ms(downtimeMs), ms(oldDownMs), ms(markedDownMs), ms(newUpMs), ms(markedUpMs), ms(firstAckMs), ms(healDowntimeMs),
                acked, lostAcked, duplicates, nonMasterAcks, doubleHealthy,
                error == null ? (passed() ? "  OK" : "  FAILED") : "  FAILED: " + error)
                + (operatorSteps.isEmpty() ? "" : "; operator: " + String.join("; ", operatorSteps));
    }

    static String ms(long ms) {
        return ms < 0 ? "-" : String.format(Locale.ROOT, "%.2f s", ms / 1000.0);
    }

    ObjectNode json() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("trial", number);
        o.put("fault", fault.cliName());
        o.put("node", node);
        o.put("old_master", oldMaster);
        o.put("new_master", newMaster);
        o.put("downtime_ms", downtimeMs);
        ObjectNode b = o.putObject("breakdown_ms");
        b.put("old_master_probe_down", oldDownMs);
        b.put("old_master_marked_down", markedDownMs);
        b.put("new_master_probe_healthy", newUpMs);
        b.put("new_master_marked_up", markedUpMs);
        b.put("first_acked_commit", firstAckMs);
        o.put("heal_downtime_ms", healDowntimeMs);
        o.put("acked_writes", acked);
        o.put("lost_acked_writes", lostAcked);
        o.put("duplicate_rows", duplicates);
        o.put("acked_by_non_master", nonMasterAcks);
        o.put("double_healthy_samples", doubleHealthy);
        o.put("passed", passed());
        if (error != null) o.put("error", error);
        var steps = o.putArray("operator_steps");
        operatorSteps.forEach(steps::add);
        return o;
    }
}
