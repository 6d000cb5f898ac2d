package io.hadb.agent.control;

import io.hadb.protocol.ClusterConfig;
import io.hadb.protocol.Intent;
import io.hadb.protocol.NodeSpec;

/** One line of the control protocol, parsed. */
public sealed interface ControlCommand {
    record Status() implements ControlCommand {}

    record History() implements ControlCommand {}

    record Operator(Intent intent) implements ControlCommand {}

    /** Promote this node: only an Outdated one, only with {@code force}, standing for up to {@code windowMs}. */
    record Promote(boolean force, long windowMs) implements ControlCommand {}

    /** DRBD's fence-peer handler: may this node go on without {@code peer}? Answered within {@code waitMs}. */
    record FencePeer(String peer, long waitMs, String resource) implements ControlCommand {}

    /** DRBD's unfence-peer or after-resync-target handler: the peer resynced; the agent notes it. */
    record DrbdNotice(String handler, String peer, String resource) implements ControlCommand {}

    record Invalid(String problem) implements ControlCommand {}

    String USAGE = "status | history | standby NODE | unstandby NODE | switchover [NODE] | maintenance on|off"
            + " | promote [--force [WINDOW_MS]]"
            + " | fence-peer PEER WAIT_MS [RESOURCE] | unfence-peer PEER [RESOURCE] | after-resync-target PEER [RESOURCE]";

    /** How long a forced promotion stands for election unless told otherwise, and the longest it may. */
    long DEFAULT_FORCE_WINDOW_MS = 30_000;
    long MAX_FORCE_WINDOW_MS = 300_000;

    /** The longest a fence-peer question may wait for the cluster's answer. */
    long MAX_FENCE_WAIT_MS = 120_000;

    /** Parses a line; node names (or ids) are resolved against the configuration. */
    static ControlCommand parse(String line, ClusterConfig cluster) {
        String[] w = line.trim().split("\\s+");
        if (w.length == 0 || w[0].isEmpty()) return new Invalid("empty command; expected " + USAGE);
        String cmd = w[0];
        switch (cmd) {
            case "status":
                return w.length == 1 ? new Status() : new Invalid("status takes no argument");
            case "history":
                return w.length == 1 ? new History() : new Invalid("history takes no argument");
            case "standby":
            case "unstandby": {
                if (w.length != 2) return new Invalid(cmd + " needs exactly one node name");
                NodeSpec n = node(w[1], cluster);
                if (n == null) return new Invalid("unknown node " + w[1]);
                return new Operator(cmd.equals("standby") ? new Intent.Standby(n.id()) : new Intent.Unstandby(n.id()));
            }
            case "switchover": {
                if (w.length == 1) return new Operator(new Intent.Switchover(0));
                if (w.length != 2) return new Invalid("switchover takes at most one node name");
                NodeSpec n = node(w[1], cluster);
                if (n == null) return new Invalid("unknown node " + w[1]);
                return new Operator(new Intent.Switchover(n.id()));
            }
            case "maintenance":
                if (w.length == 2 && (w[1].equals("on") || w[1].equals("off")))
                    return new Operator(new Intent.Maintenance(w[1].equals("on")));
                return new Invalid("maintenance needs on or off");
            case "promote": {
                if (w.length == 1) return new Promote(false, DEFAULT_FORCE_WINDOW_MS);
                if (!w[1].equals("--force") || w.length > 3) return new Invalid("promote takes only --force [WINDOW_MS]");
                if (w.length == 2) return new Promote(true, DEFAULT_FORCE_WINDOW_MS);
                long window;
                try {
                    window = Long.parseLong(w[2]);
                } catch (NumberFormatException e) {
                    return new Invalid("promote --force: WINDOW_MS must be a number of milliseconds, got " + w[2]);
                }
                if (window < 1_000 || window > MAX_FORCE_WINDOW_MS)
                    return new Invalid("promote --force: WINDOW_MS must be in 1000.." + MAX_FORCE_WINDOW_MS + ", got " + window);
                return new Promote(true, window);
            }
            case "fence-peer": {
                if (w.length < 3 || w.length > 4) return new Invalid("fence-peer needs PEER WAIT_MS [RESOURCE]");
                long wait;
                try {
                    wait = Long.parseLong(w[2]);
                } catch (NumberFormatException e) {
                    return new Invalid("fence-peer: WAIT_MS must be a number of milliseconds, got " + w[2]);
                }
                if (wait < 0 || wait > MAX_FENCE_WAIT_MS)
                    return new Invalid("fence-peer: WAIT_MS must be in 0.." + MAX_FENCE_WAIT_MS + ", got " + wait);
                return new FencePeer(w[1], wait, w.length == 4 ? w[3] : "");
            }
            case "unfence-peer":
            case "after-resync-target":
                if (w.length < 2 || w.length > 3) return new Invalid(cmd + " needs PEER [RESOURCE]");
                return new DrbdNotice(cmd, w[1], w.length == 3 ? w[2] : "");
            default:
                return new Invalid("unknown command " + cmd + "; expected " + USAGE);
        }
    }

    private static NodeSpec node(String s, ClusterConfig cluster) {
        var byName = cluster.byName(s);
        if (byName.isPresent()) return byName.get();
        try {
            return cluster.find(Integer.parseInt(s)).orElse(null);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
