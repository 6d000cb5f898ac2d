package io.hadb.testbed.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import io.hadb.agent.control.ControlClient;
import io.hadb.agent.drbd.DrbdAdm;
import io.hadb.agent.drbd.DrbdCommandException;
import io.hadb.agent.exec.CommandResult;
import io.hadb.agent.exec.CommandRunner;
import io.hadb.testbed.NetnsCommand;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Faults of a net-mode sandbox and their undoing. Network faults are nftables tables (inet hadb_fault_*)
 * inside the nodes' own namespaces, never the host's; a cut between the data nodes also cuts the emulated
 * replication link, as the real link would be cut. Signals go to the node's process group or to its
 * mariadbd, found by pid in the group. {@link #heal} undoes every kind, whatever is active.
 */
final class SandboxFaults {
    private static final Duration CMD_TIMEOUT = Duration.ofSeconds(20);
    private static final String TABLE_PREFIX = "hadb_fault_";

    private final Sandbox sandbox;
    private final SandboxLayout layout;
    private final PrintStream out;
    private final CommandRunner runner = new CommandRunner();

    SandboxFaults(Sandbox sandbox, PrintStream out) throws Sandbox.SandboxException {
        if (!sandbox.layout().netMode())
            throw new Sandbox.SandboxException(2, "faults need a net-mode sandbox (`sandbox up --net`): network faults are"
                    + " rules inside each node's own namespace");
        this.sandbox = sandbox;
        this.layout = sandbox.layout();
        this.out = out;
    }

    /** The data node that serves now (agent status), if any. */
    Optional<String> master() {
        for (SandboxLayout.Node n : SandboxLayout.dataNodes()) {
            JsonNode s = Sandbox.agentStatus(layout, n.name());
            if (s != null && s.path("serving").asBoolean()) return Optional.of(n.name());
        }
        return Optional.empty();
    }

    static String peerOf(String node) {
        return node.equals("hadb01") ? "hadb02" : "hadb01";
    }

    /** The node a fault hits when none is named: the master, or the witness for witness-loss (null: no node). */
    String defaultTarget(FaultKind kind) throws Sandbox.SandboxException {
        if (kind == FaultKind.WITNESS_LOSS) return "witness";
        if (kind == FaultKind.REPLICATION_LINK) return null;
        return master().orElseThrow(() -> new Sandbox.SandboxException(1, "no node serves now; name the node for "
                + kind.cliName()));
    }

    /** Injects the fault. @param node null: {@link #defaultTarget} @return the node hit (null: none) */
    String inject(FaultKind kind, String node) throws Sandbox.SandboxException, IOException {
        if (node == null) node = defaultTarget(kind);
        else SandboxLayout.node(node);
        if (kind == FaultKind.WITNESS_LOSS && !"witness".equals(node))
            throw new Sandbox.SandboxException(2, "witness-loss partitions the witness; use partition for " + node);
        SandboxLayout.Node n = node == null ? null : SandboxLayout.node(node);
        if (n != null && !n.data() && kind != FaultKind.WITNESS_LOSS && kind != FaultKind.PARTITION
                && kind != FaultKind.ONEWAY && kind != FaultKind.CRASH && kind != FaultKind.FREEZE && kind != FaultKind.ISOLATE)
            throw new Sandbox.SandboxException(2, kind.cliName() + " needs a data node, not " + node);
        switch (kind) {
            case CRASH -> sandbox.crash(node);
            case FREEZE -> {
                // a paused VM's kernel does not answer either: a stopped process's listening socket still would
                // complete handshakes, so its traffic is dropped too (and the replication link goes quiet)
                isolate(n, FaultKind.FREEZE);
                if (n.data()) cutLink();
                signalGroup(node, ProcessGroups.SIGSTOP, "froze");
            }
            case PARTITION, WITNESS_LOSS -> {
                drop(n, kind, others(n), true);
                if (n.data()) cutLink();
            }
            case ONEWAY -> {
                drop(n, kind, others(n), false);
                if (n.data()) cutLink();
            }
            case ISOLATE -> {
                isolate(n, FaultKind.ISOLATE);
                if (n.data()) cutLink();
            }
            case REPLICATION_LINK -> cutLink();
            case DISK -> {
                Files.writeString(layout.diskFaultMark(node), "");
                emu("fail-disk", node, SandboxLayout.RESOURCE);
            }
            case MYSQLD_CRASH -> signalMysqld(node, ProcessGroups.SIGKILL, "killed");
            case MYSQLD_HANG -> signalMysqld(node, ProcessGroups.SIGSTOP, "stopped");
            case SWITCHOVER -> switchover(peerOf(node));
        }
        out.println("fault " + kind.cliName() + (node == null ? "" : " on " + node) + ": " + kind.what());
        return node;
    }

    /** Asks the agents for a switchover to target (the control socket of target's agent). */
    void switchover(String target) throws Sandbox.SandboxException {
        try (ControlClient c = new ControlClient(layout.controlSocket(target))) {
            String answer = c.ask("switchover " + target, Duration.ofSeconds(120));
            if (answer.contains("\"error\"")) throw new Sandbox.SandboxException(1, "switchover to " + target + " refused: " + answer);
        } catch (IOException e) {
            throw new Sandbox.SandboxException(1, "switchover to " + target + ": " + e.getMessage());
        }
    }

    /**
     * Undoes every fault: the fault tables dropped in every namespace, every node's processes continued,
     * the replication link restored, a failed disk attached again, crashed nodes started. Idempotent.
     */
    List<String> heal() throws IOException {
        List<String> done = new ArrayList<>();
        for (SandboxLayout.Node n : SandboxLayout.NODES) {
            String ns = NetMode.namespace(n);
            CommandResult r = runner.run(CMD_TIMEOUT, NetnsCommand.with(ns, "nft", "list", "tables"));
            if (!r.ok()) continue;
            for (String line : r.stdout().split("\n")) {
                String[] f = line.strip().split("\\s+");
                if (f.length == 3 && f[0].equals("table") && f[2].startsWith(TABLE_PREFIX)) {
                    CommandResult d = runner.run(CMD_TIMEOUT, NetnsCommand.with(ns, "nft", "delete", "table", f[1], f[2]));
                    if (!d.ok()) throw new IOException("cannot drop " + f[2] + " in " + ns + ": " + d.summary());
                    done.add("rules " + f[2] + " dropped in " + ns);
                }
            }
        }
        for (SandboxLayout.Node n : SandboxLayout.NODES) {
            OptionalLong g = sandbox.agentPid(n.name());
            if (g.isEmpty()) continue;
            for (long pid : ProcessGroups.members(g.getAsLong())) {
                if (ProcessGroups.stat(pid).map(s -> s.state() == 'T').orElse(false)) {
                    io.hadb.agent.os.ProcessSignals.signal(pid, ProcessGroups.SIGCONT);
                    done.add("continued " + n.name() + " pid " + pid);
                }
            }
        }
        CommandResult link = Sandbox.pair(layout).emu("restore-link", SandboxLayout.RESOURCE);
        if (link.ok()) done.add("replication link restored");
        for (SandboxLayout.Node n : SandboxLayout.dataNodes()) {
            // only a disk the disk fault failed: one the agent detached itself is the agent's to attach
            if (sandbox.agentPid(n.name()).isEmpty() || !Files.exists(layout.diskFaultMark(n.name()))) continue;
            DrbdAdm d = new DrbdAdm(runner, SandboxLayout.RESOURCE, Sandbox.pair(layout).settings(n.name()));
            try {
                if (d.dstate().local().toString().matches("(?i)diskless|failed")) {
                    d.attach();
                    done.add(n.name() + " disk attached again");
                }
                Files.deleteIfExists(layout.diskFaultMark(n.name()));
            } catch (DrbdCommandException | io.hadb.agent.drbd.DrbdParseException e) {
                done.add(n.name() + ": disk not attached again (" + e.getMessage().strip() + ")");
            }
        }
        for (SandboxLayout.Node n : SandboxLayout.NODES) {
            if (sandbox.agentPid(n.name()).isPresent()) continue;
            try {
                sandbox.start(n.name());
                done.add("started " + n.name());
            } catch (Sandbox.SandboxException e) {
                done.add(n.name() + " not started: " + e.getMessage());
            }
        }
        done.addAll(reconnectStandAlone());
        out.println("healed: " + (done.isEmpty() ? "nothing was faulty" : String.join("; ", done)));
        return done;
    }

    /**
     * What an operator would do if a Secondary stayed StandAlone after the link came back: connect it. Its agent
     * should do that itself (a thawed old master detaches, resumes I/O, unmounts, demotes, attaches and connects,
     * a few seconds with the emulator's commands; a connect that ends StandAlone again is retried every 3 s), so it
     * gets 8 s first; done here only after that, and reported as an operator step.
     */
    private List<String> reconnectStandAlone() throws IOException {
        List<String> steps = new ArrayList<>();
        long deadline = System.nanoTime() + AGENT_RECONNECT_GRACE.toNanos();
        for (SandboxLayout.Node n : SandboxLayout.dataNodes()) {
            if (sandbox.agentPid(n.name()).isEmpty()) continue;
            DrbdAdm d = new DrbdAdm(runner, SandboxLayout.RESOURCE, Sandbox.pair(layout).settings(n.name()));
            try {
                // wait while it is StandAlone at all: a thawed old master is still Primary and StandAlone until its
                // agent has demoted it, and only then attaches and connects
                boolean connecting = false;
                while (System.nanoTime() < deadline) {
                    if (!d.status().summary().contains("StandAlone")) {
                        connecting = true;
                        break;
                    }
                    Thread.sleep(200);
                }
                if (connecting || !standAloneSecondary(d)) continue;
                d.connect();
                steps.add(OPERATOR_STEP + "drbdadm connect r0 on " + n.name() + " (Secondary and StandAlone, not reconnected by"
                        + " its agent)");
            } catch (DrbdCommandException | io.hadb.agent.drbd.DrbdParseException e) {
                steps.add(OPERATOR_STEP + "drbdadm connect r0 on " + n.name() + " failed: " + e.getMessage().strip());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
        return steps;
    }

    /**
     * If node's DRBD is Secondary and StandAlone, connects it (an operator step). @return the step, or null
     */
    String reconnectIfStandAlone(String node) {
        DrbdAdm d = new DrbdAdm(runner, SandboxLayout.RESOURCE, Sandbox.pair(layout).settings(node));
        try {
            if (!standAloneSecondary(d)) return null;
            d.connect();
            String step = OPERATOR_STEP + "drbdadm connect r0 on " + node + " (Secondary and StandAlone, not reconnected by its agent)";
            out.println(step);
            return step;
        } catch (DrbdCommandException | io.hadb.agent.drbd.DrbdParseException e) {
            return OPERATOR_STEP + "drbdadm connect r0 on " + node + " failed: " + e.getMessage().strip();
        }
    }

    /** How long a StandAlone Secondary's own agent gets to connect it before it is done as an operator step. */
    static final Duration AGENT_RECONNECT_GRACE = Duration.ofSeconds(8);

    /** Marks a heal step that the agents should have done themselves. */
    static final String OPERATOR_STEP = "operator step: ";

    private static boolean standAloneSecondary(DrbdAdm d) throws DrbdCommandException, io.hadb.agent.drbd.DrbdParseException {
        io.hadb.agent.drbd.DrbdResourceState s = d.status();
        return !s.isPrimary() && s.summary().contains("StandAlone");
    }

    private List<String> others(SandboxLayout.Node n) {
        return SandboxLayout.NODES.stream().filter(o -> !o.equals(n)).map(layout::address).toList();
    }

    /** A table in the node's namespace dropping traffic to (and, if both, from) the given addresses. */
    private void drop(SandboxLayout.Node n, FaultKind kind, List<String> peers, boolean both) throws IOException {
        String set = "{ " + String.join(", ", peers) + " }";
        StringBuilder t = new StringBuilder("table inet " + table(kind) + " {\n");
        t.append("  chain out { type filter hook output priority filter; policy accept; ip daddr ").append(set).append(" drop; }\n");
        if (both) t.append("  chain in { type filter hook input priority filter; policy accept; ip saddr ").append(set).append(" drop; }\n");
        t.append("}\n");
        nft(n, t.toString());
    }

    /** Everything but loopback dropped in the node's namespace. */
    private void isolate(SandboxLayout.Node n, FaultKind kind) throws IOException {
        nft(n, "table inet " + table(kind) + " {\n"
                + "  chain out { type filter hook output priority filter; policy accept; oifname != \"lo\" drop; }\n"
                + "  chain in { type filter hook input priority filter; policy accept; iifname != \"lo\" drop; }\n}\n");
    }

    static String table(FaultKind kind) {
        return TABLE_PREFIX + kind.name().toLowerCase(java.util.Locale.ROOT);
    }

    private void nft(SandboxLayout.Node n, String ruleset) throws IOException {
        CommandResult r = runner.run(CMD_TIMEOUT, NetnsCommand.with(NetMode.namespace(n), "nft", "-f", "-"),
                Map.of(), ruleset.getBytes(StandardCharsets.UTF_8));
        if (!r.ok()) throw new IOException("nft in " + NetMode.namespace(n) + ": " + r.summary());
    }

    private void cutLink() throws IOException {
        emu("cut-link", SandboxLayout.RESOURCE);
    }

    private void emu(String... args) throws IOException {
        CommandResult r = Sandbox.pair(layout).emu(args);
        if (!r.ok()) throw new IOException("drbdemu " + String.join(" ", args) + ": " + r.summary());
    }

    private void signalGroup(String node, int sig, String verb) throws Sandbox.SandboxException {
        long g = sandbox.agentPid(node).orElseThrow(() -> new Sandbox.SandboxException(1, node + " is not running"));
        List<Long> members = ProcessGroups.members(g);
        ProcessGroups.signal(g, sig);
        out.println(verb + " " + node + ": processes " + members);
    }

    /** The node's mariadbd: the member of its process group whose command is mariadbd. */
    OptionalLong mysqldPid(String node) {
        OptionalLong g = sandbox.agentPid(node);
        if (g.isEmpty()) return OptionalLong.empty();
        for (long pid : ProcessGroups.members(g.getAsLong())) {
            try {
                if (Files.readString(Path.of("/proc", Long.toString(pid), "comm")).strip().equals("mariadbd")) return OptionalLong.of(pid);
            } catch (IOException ignored) {
                // it ended meanwhile
            }
        }
        return OptionalLong.empty();
    }

    private void signalMysqld(String node, int sig, String verb) throws Sandbox.SandboxException {
        long pid = mysqldPid(node).orElseThrow(() -> new Sandbox.SandboxException(1, node + " runs no mariadbd now"));
        io.hadb.agent.os.ProcessSignals.signal(pid, sig);
        out.println(verb + " " + node + "'s mariadbd (pid " + pid + ")");
    }
}
