package io.hadb.testbed.drbd;

import java.util.ArrayList;
import java.util.List;

/**
 * What one node's events2 would show of a resource at one instant: which objects exist
 * (resource, device, connection, peer-device) and their states. Diffing two views gives the
 * events2 lines, in drbd-utils 9's shape.
 */
record NodeView(boolean res, String role, String suspended,
                boolean dev, String disk, long size,
                boolean conn, String cstate, String peerRole,
                boolean pd, String replication, String peerDisk, long oos) {

    static final NodeView ABSENT = new NodeView(false, "", "", false, "", 0, false, "", "", false, "", "", 0);

    /** The identifying fields of each object on a node: resource name, minor, peer id and connection name. */
    record Ids(String name, int minor, int peerNodeId, String connName) {
        String res() {
            return "name:" + name;
        }

        String dev() {
            return "name:" + name + " volume:0 minor:" + minor;
        }

        String conn() {
            return "name:" + name + " peer-node-id:" + peerNodeId + " conn-name:" + connName;
        }

        String pd() {
            return conn() + " volume:0";
        }
    }

    /** One events2 line with and without its --statistics fields. */
    record Line(String full, String brief) {
        static Line of(String states, String stats) {
            return new Line(stats.isEmpty() ? states : states + " " + stats, states);
        }
    }

    String resStats() {
        return "write-ordering:flush";
    }

    String devStats(boolean full) {
        return "size:" + size + " read:0 written:0 al-writes:0 bm-writes:0 upper-pending:0 lower-pending:0"
                + (full ? " al-suspended:no blocked:no" : "");
    }

    String pdStats() {
        return "received:0 sent:0 out-of-sync:" + oos + " pending:0 unacked:0";
    }

    /** The `exists` (or `create`) lines of this view. */
    List<Line> dump(String verb, Ids ids) {
        List<Line> out = new ArrayList<>();
        if (!res) return out;
        out.add(Line.of(verb + " resource " + ids.res() + " role:" + role + " suspended:" + suspended, resStats()));
        if (dev) out.add(Line.of(verb + " device " + ids.dev() + " disk:" + disk, devStats(true)));
        if (conn) out.add(Line.of(verb + " connection " + ids.conn() + " connection:" + cstate + " role:" + peerRole, "congested:no"));
        if (pd) out.add(Line.of(verb + " peer-device " + ids.pd() + " replication:" + replication + " peer-disk:" + peerDisk
                + " resync-suspended:no", pdStats()));
        return out;
    }

    /** The lines that take events2 from `before` to `after`. */
    static List<Line> diff(NodeView b, NodeView a, Ids ids) {
        List<Line> out = new ArrayList<>();
        // destroys first, innermost object first
        if (b.pd && !a.pd) out.add(Line.of("destroy peer-device " + ids.pd(), ""));
        if (b.conn && !a.conn) out.add(Line.of("destroy connection " + ids.conn(), ""));
        if (b.dev && !a.dev) out.add(Line.of("destroy device " + ids.dev(), ""));
        if (b.res && !a.res) out.add(Line.of("destroy resource " + ids.res(), ""));
        // creations, outermost first
        if (!b.res && a.res) out.add(Line.of("create resource " + ids.res() + " role:" + a.role + " suspended:" + a.suspended, a.resStats()));
        if (!b.dev && a.dev) out.add(Line.of("create device " + ids.dev() + " disk:" + a.disk, a.devStats(true)));
        if (!b.conn && a.conn) out.add(Line.of("create connection " + ids.conn() + " connection:" + a.cstate + " role:" + a.peerRole, "congested:no"));
        if (!b.pd && a.pd) out.add(Line.of("create peer-device " + ids.pd() + " replication:" + a.replication
                + " peer-disk:" + a.peerDisk + " resync-suspended:no", a.pdStats()));
        // changes: resource, connection, device, peer-device, each with only what changed
        if (b.res && a.res) {
            String c = changed("role", b.role, a.role) + changed("suspended", b.suspended, a.suspended);
            if (!c.isEmpty()) out.add(Line.of("change resource " + ids.res() + c, ""));
        }
        if (b.conn && a.conn) {
            String c = changed("connection", b.cstate, a.cstate) + changed("role", b.peerRole, a.peerRole);
            if (!c.isEmpty()) out.add(Line.of("change connection " + ids.conn() + c, ""));
        }
        if (b.dev && a.dev && (!b.disk.equals(a.disk) || b.size != a.size)) {
            out.add(Line.of("change device " + ids.dev() + changed("disk", b.disk, a.disk), a.devStats(false)));
        }
        if (b.pd && a.pd && (!b.replication.equals(a.replication) || !b.peerDisk.equals(a.peerDisk) || b.oos != a.oos)) {
            out.add(Line.of("change peer-device " + ids.pd() + changed("replication", b.replication, a.replication)
                    + changed("peer-disk", b.peerDisk, a.peerDisk), a.pdStats()));
        }
        return out;
    }

    private static String changed(String key, String b, String a) {
        return b.equals(a) ? "" : " " + key + ":" + a;
    }
}
