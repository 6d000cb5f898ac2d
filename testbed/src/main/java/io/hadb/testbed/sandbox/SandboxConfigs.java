package io.hadb.testbed.sandbox;

import io.hadb.agent.mysql.MariadbDatadir;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The sandbox's agent configurations, as TOML text (pure). Data nodes get [drbd] (the emulator's
 * drbdadm/drbdsetup and their environment), [filesystem], [mysql] in exec mode with the datadir, socket
 * and pid file on the replicated filesystem, [probe] and [control]; the witness gets [control] only.
 */
final class SandboxConfigs {
    /** The sandbox's mariadbd options: small (fits a 128 MiB image) and durable, binary log off. */
    static final List<String> SERVER_OPTIONS;

    static {
        List<String> o = new ArrayList<>(MariadbDatadir.smallServerOptions());
        o.addAll(List.of("--innodb-flush-log-at-trx-commit=1", "--sync-binlog=1"));
        SERVER_OPTIONS = List.copyOf(o);
    }

    private SandboxConfigs() {
    }

    /**
     * @param drbdEnv the emulator's environment for this node (HADB_EMU_NODE, _DIR, _CONF, _KERNEL, _CP, ...);
     *                ignored for the witness
     */
    static String agentToml(SandboxLayout l, String nodeName, Map<String, String> drbdEnv) {
        SandboxLayout.Node me = SandboxLayout.node(nodeName);
        StringBuilder t = new StringBuilder("# written by `sandbox up`; removed by `sandbox down`\n");
        t.append("cluster_id = ").append(q(SandboxLayout.CLUSTER_ID)).append('\n');
        t.append("node = ").append(q(me.name())).append('\n');
        t.append("key_file = ").append(q(l.keyFile())).append('\n');
        t.append("data_dir = ").append(q(l.nodeDir(me.name()))).append('\n');
        t.append("port = ").append(l.udpPort()).append('\n');
        if (me.data() && l.resources()) {
            t.append("\n[drbd]\n");
            t.append("resource = ").append(q(SandboxLayout.RESOURCE)).append('\n');
            t.append("drbdadm = ").append(q(l.bin().resolve("drbdadm"))).append('\n');
            t.append("drbdsetup = ").append(q(l.bin().resolve("drbdsetup"))).append('\n');
            t.append("env = {");
            String sep = " ";
            for (Map.Entry<String, String> e : new TreeMap<>(drbdEnv).entrySet()) {
                t.append(sep).append(e.getKey()).append(" = ").append(q(e.getValue()));
                sep = ", ";
            }
            t.append(" }\n");

            t.append("\n[filesystem]\n");
            t.append("device = ").append(q(device(l, me.name()))).append('\n');
            t.append("mountpoint = ").append(q(l.mountpoint(me.name()))).append('\n');
            t.append("fstype = \"ext4\"\noptions = \"noatime\"\n");

            Path datadir = l.datadir(me.name());
            t.append("\n[mysql]\nmode = \"exec\"\n");
            t.append("command = [");
            sep = "";
            for (String a : serverCommand(l, me)) {
                t.append(sep).append(q(a));
                sep = ", ";
            }
            t.append("]\n");
            t.append("pid_file = ").append(q(pidFile(l, me))).append('\n');
            t.append("output = ").append(q(l.mysqlOutput(me.name()))).append('\n');
            t.append("datadir = ").append(q(datadir)).append('\n');
            t.append("socket = ").append(q(datadir.resolve("mysqld.sock"))).append('\n');
            t.append("host = ").append(q(l.address(me))).append('\n');
            t.append("port = ").append(l.sqlPort()).append('\n');
            t.append("user = ").append(q(Sandbox.SQL_USER)).append('\n');
            t.append("durability = \"refuse\"\n");

            t.append("\n[probe]\n");
            t.append("address = ").append(q(l.address(me))).append('\n');
            t.append("tcp_port = ").append(l.probeTcpPort()).append('\n');
            t.append("http_port = ").append(l.probeHttpPort()).append('\n');
        }
        t.append("\n[control]\nsocket = ").append(q(l.controlSocket(me.name()))).append('\n');
        for (SandboxLayout.Node n : SandboxLayout.NODES) {
            t.append("\n[[nodes]]\nname = ").append(q(n.name())).append("\nid = ").append(n.id())
                    .append("\nrole = ").append(q(n.data() ? "data" : "witness"))
                    .append("\naddresses = [").append(q(l.address(n) + ":" + l.udpPort())).append("]\n");
        }
        return t.toString();
    }

    /** The device the node mounts: the emulator's symlink to its current loop device. */
    static Path device(SandboxLayout l, String node) {
        return l.emuDir().resolve("dev").resolve(node).resolve("drbd1");
    }

    /** mariadbd on the node's own address, its datadir, socket and pid file on the replicated filesystem. */
    static List<String> serverCommand(SandboxLayout l, SandboxLayout.Node n) {
        Path datadir = l.datadir(n.name());
        List<String> cmd = new ArrayList<>();
        for (String a : MariadbDatadir.serverCommand(datadir, datadir.resolve("mysqld.sock"), l.sqlPort(), SERVER_OPTIONS))
            cmd.add(a.startsWith("--bind-address=") ? "--bind-address=" + l.address(n) : a);
        cmd.add("--pid-file=" + pidFile(l, n));
        return cmd;
    }

    /**
     * mariadbd's pid file: on the replicated filesystem, or in net mode in the node's own directory. The nodes
     * share this machine's pid namespace, so after a freeze or isolation the peer would find the old master's
     * still-living mariadbd's pid in the replicated file and adopt it instead of starting its own.
     */
    static Path pidFile(SandboxLayout l, SandboxLayout.Node n) {
        return l.netMode() ? l.nodeDir(n.name()).resolve("mysqld.pid") : l.datadir(n.name()).resolve("mysqld.pid");
    }

    /** A TOML basic string. */
    static String q(Object value) {
        String s = value.toString();
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }
}
