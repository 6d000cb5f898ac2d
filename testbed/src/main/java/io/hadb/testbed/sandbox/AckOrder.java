package io.hadb.testbed.sandbox;

import java.util.List;

/**
 * Whether every acknowledged write of a trial came from a node that was master at that moment. The client is
 * one thread, so its acknowledgements are strictly ordered: the trial's old master serves first; once the new
 * master has acknowledged a write, mastership has moved and an acknowledgement by any other node means two
 * nodes accepted writes in overlapping periods.
 */
final class AckOrder {
    private AckOrder() {
    }

    /**
     * Acknowledgements in (from, to] by a node that was not master then. A node not identified ("?") counts as
     * one: the check must not pass for lack of evidence.
     */
    static long byNonMaster(List<DrillWriter.Ack> acks, long from, long to, String oldMaster, String newMaster) {
        String current = oldMaster;
        boolean moved = false;
        long bad = 0;
        for (DrillWriter.Ack a : acks) {
            if (a.nanos() <= from) continue;
            if (a.nanos() > to) break;
            if (current == null || current.equals("?")) current = a.node();
            if (a.node().equals(current)) continue;
            if (!moved && newMaster != null && a.node().equals(newMaster)) {
                current = newMaster;
                moved = true;
            } else {
                bad++;
            }
        }
        return bad;
    }
}
