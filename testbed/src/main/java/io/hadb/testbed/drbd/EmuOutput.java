package io.hadb.testbed.drbd;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;

/** What drbdadm/drbdsetup print for status, role, dstate, cstate and --version, per kernel mode. */
final class EmuOutput {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The usage text drbdsetup 9.22 prints (exit 20) for `status --json` with an 8.4 module, as recorded. */
    static String usage84() {
        try (var in = EmuOutput.class.getResourceAsStream("usage-84.txt")) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException | NullPointerException e) {
            return "status: unrecognized option '--json'\n";
        }
    }

    private EmuOutput() {
    }

    static String version(boolean kernel9) {
        return "DRBDADM_BUILDTAG=GIT-hash:\\ hadb-drbd-emulator\\ build\n"
                + "DRBDADM_API_VERSION=" + (kernel9 ? 2 : 1) + "\n"
                + "DRBD_KERNEL_VERSION_CODE=" + (kernel9 ? "0x090202" : "0x08040b") + "\n"
                + "DRBDADM_VERSION_CODE=0x091600\n"
                + "DRBDADM_VERSION=9.22.0\n";
    }

    /** `drbdadm status RES`: on 8.4 the peer is "peer" and replication is always shown; DRBD 9 names it and hides Established. */
    static String status(String res, NodeView v, boolean kernel9, String peerName, double done) {
        StringBuilder b = new StringBuilder(res).append(" role:").append(v.role());
        if (!v.suspended().equals("no")) b.append(" suspended:").append(v.suspended());
        b.append("\n  disk:").append(v.disk());
        // frozen I/O blocks the upper layer, as recorded on DRBD 8.4
        if (!v.suspended().equals("no")) b.append(" blocked:upper");
        b.append('\n');
        if (v.conn()) {
            String name = kernel9 ? peerName : "peer";
            if (!v.cstate().equals("Connected")) {
                b.append("  ").append(name).append(" connection:").append(v.cstate()).append('\n');
            } else {
                b.append("  ").append(name).append(" role:").append(v.peerRole()).append('\n');
                b.append("    ");
                boolean syncing = v.replication().startsWith("Sync");
                if (!kernel9 || !v.replication().equals("Established")) {
                    b.append("replication:").append(v.replication()).append(' ');
                }
                b.append("peer-disk:").append(v.peerDisk());
                if (syncing) b.append(" done:").append(String.format(Locale.ROOT, "%.2f", done));
                b.append('\n');
            }
        }
        return b.append('\n').toString();
    }

    static String statusJson(String res, int nodeId, NodeView v, int peerNodeId, String peerName, double done) {
        ArrayNode root = JSON.createArrayNode();
        ObjectNode r = root.addObject();
        r.put("name", res).put("node-id", nodeId).put("role", v.role()).put("suspended", !v.suspended().equals("no"))
                .put("suspended-user", false).put("suspended-no-data", false)
                .put("suspended-fencing", v.suspended().equals("fencing")).put("suspended-quorum", false)
                .put("write-ordering", "flush");
        r.putArray("devices").addObject().put("volume", 0).put("minor", 0).put("disk-state", v.disk()).put("client", false)
                .put("quorum", true).put("size", v.size()).put("read", 0).put("written", 0).put("al-writes", 0)
                .put("bm-writes", 0).put("upper-pending", 0).put("lower-pending", 0);
        ArrayNode conns = r.putArray("connections");
        if (v.conn()) {
            ObjectNode c = conns.addObject();
            c.put("peer-node-id", peerNodeId).put("name", peerName).put("connection-state", v.cstate())
                    .put("congested", false).put("peer-role", v.peerRole()).put("ap-in-flight", 0).put("rs-in-flight", 0);
            boolean syncing = v.replication().startsWith("Sync");
            ObjectNode pd = c.putArray("peer_devices").addObject();
            pd.put("volume", 0).put("replication-state", v.replication()).put("peer-disk-state", v.peerDisk())
                    .put("peer-client", false).put("resync-suspended", "no").put("received", 0).put("sent", 0)
                    .put("out-of-sync", v.oos()).put("pending", 0).put("unacked", 0)
                    .put("has-sync-details", syncing).put("has-online-verify-details", false)
                    .put("percent-in-sync", syncing ? Math.round(done * 100) / 100.0 : 100.0);
            if (syncing) pd.put("percent-resync-done", Math.round(done * 100) / 100.0);
        }
        return root.toPrettyString() + "\n";
    }

    static String role(NodeView v, boolean kernel9) {
        return kernel9 ? v.role() + "\n" : v.role() + "/" + v.peerRole() + "\n";
    }

    static String dstate(NodeView v) {
        return v.disk() + "/" + v.peerDisk() + "\n";
    }

    /** 8.4 names the connection by its replication state and says WFConnection while connecting. */
    static String cstate(NodeView v, boolean kernel9) {
        if (!v.conn()) return "StandAlone\n";
        if (kernel9) return v.cstate() + "\n";
        if (v.cstate().equals("Connecting")) return "WFConnection\n";
        if (v.cstate().equals("Connected")) return (v.replication().equals("Established") ? "Connected" : v.replication()) + "\n";
        return v.cstate() + "\n";
    }
}
