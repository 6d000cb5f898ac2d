package io.hadb.testbed.sandbox;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** What `sandbox fault` and `sandbox drill` can do to a net-mode sandbox (switchover: the planned case, for drills). */
public enum FaultKind {
    CRASH("every process of the node stopped at once, its DRBD gone, then killed", true),
    FREEZE("SIGSTOP of every process of the node and its network silent (an Azure maintenance pause), until heal or --for", true),
    PARTITION("the node's namespace drops traffic to and from the other nodes; the replication link cut between data nodes", true),
    ONEWAY("the node's namespace drops only its outgoing traffic to the other nodes; the replication link cut", true),
    WITNESS_LOSS("the witness partitioned from both data nodes", false),
    REPLICATION_LINK("the emulated DRBD replication link cut, the cluster network intact", false),
    DISK("the node's backing disk fails (I/O errors)", true),
    MYSQLD_CRASH("SIGKILL of the node's mariadbd alone", true),
    MYSQLD_HANG("SIGSTOP of the node's mariadbd alone", true),
    ISOLATE("the node cut from everything (cluster, balancer, clients) and its replication link: its DRBD I/O freezes", true),
    SWITCHOVER("a planned switchover to the peer (agentctl switchover), not a fault", true);

    private final String what;
    private final boolean targetsMaster;

    FaultKind(String what, boolean targetsMaster) {
        this.what = what;
        this.targetsMaster = targetsMaster;
    }

    /** The command-line name: lower case with dashes (mysqld-crash). */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public String what() {
        return what;
    }

    /** Whether the default target is the current master (else the witness or no node). */
    boolean targetsMaster() {
        return targetsMaster;
    }

    /** The faults a `--random` drill draws from. */
    static List<FaultKind> drillable() {
        return Arrays.asList(values());
    }

    public static FaultKind parse(String text) {
        for (FaultKind k : values()) if (k.cliName().equals(text)) return k;
        throw new IllegalArgumentException("unknown fault '" + text + "'; one of "
                + Arrays.stream(values()).map(FaultKind::cliName).toList());
    }
}
