package io.hadb.agent.control;

import io.hadb.protocol.ClusterConfig;
import io.hadb.protocol.Intent;
import io.hadb.protocol.NodeSpec;

/** One line of the control protocol, parsed. */
public sealed interface ControlCommand {
    record Status() implements ControlCommand {}

    record Operator(Intent intent) implements ControlCommand {}

    record Invalid(String problem) implements ControlCommand {}

    String USAGE = "status | standby NODE | unstandby NODE | switchover [NODE] | maintenance on|off";

    /** Parses a line; node names (or ids) are resolved against the configuration. */
    static ControlCommand parse(String line, ClusterConfig cluster) {
        String[] w = line.trim().split("\\s+");
        if (w.length == 0 || w[0].isEmpty()) return new Invalid("empty command; expected " + USAGE);
        String cmd = w[0];
        switch (cmd) {
            case "status":
                return w.length == 1 ? new Status() : new Invalid("status takes no argument");
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
