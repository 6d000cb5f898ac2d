package io.hadb.agent.control;

import java.util.Locale;

/**
 * agentctl's exit codes, and which one a refusal from the cluster gets. The protocol answers intents with
 * sentences; the few an operator scripts against get codes of their own.
 */
public final class CtlExit {
    public static final int OK = 0;
    /** The cluster refused, for a reason without a code of its own (the sentence says which). */
    public static final int REFUSED = 1;
    /** Bad usage, or a configuration file with a problem. */
    public static final int USAGE = 2;
    /** The agent cannot be reached on its control socket (not running, wrong socket). */
    public static final int UNREACHABLE = 3;
    /** No master is known: this node has no quorum, or cannot reach the master. */
    public static final int NO_QUORUM = 4;
    /** The target's copy is Outdated: promoting it would lose data. */
    public static final int TARGET_OUTDATED = 5;
    /** The named node is already master (or the change is already in place). */
    public static final int ALREADY = 6;
    /** Not root or a member of the control group. */
    public static final int DENIED = 7;
    /** Accepted, but the new master was not seen serving in time (or a forced promotion's window ended). */
    public static final int TIMEOUT = 8;
    /** Not a case for {@code promote}: a master is live, a peer could serve without loss, or this node is not Outdated. */
    public static final int USE_SWITCHOVER = 9;

    public static final String HELP = "Exit codes: 0 done; 1 refused by the cluster (the sentence says why); "
            + "2 bad usage or configuration; 3 agent unreachable; 4 no quorum / no master known; "
            + "5 target is Outdated (promoting it would lose data); 6 already master; 7 permission denied; "
            + "8 accepted but not completed in time; 9 promote refused: use switchover instead. fence-peer exits as DRBD expects: 4 peer Outdated, "
            + "3 peer Inconsistent, 1 keep I/O frozen (also when the agent cannot be reached) - never 5 or 6.";

    private CtlExit() {}

    /** The exit code for a refusal sentence of the protocol. */
    public static int forRefusal(String message) {
        String m = message.toLowerCase(Locale.ROOT);
        if (m.startsWith("forced promotion not won")) return TIMEOUT;
        if (m.contains("no quorum") || m.startsWith("no master is known") || m.startsWith("not master")
                || m.contains("no answer from the master"))
            return NO_QUORUM;
        if (m.contains("use switchover")) return USE_SWITCHOVER;
        if (m.contains("is outdated")) return TARGET_OUTDATED;
        if (m.equals("already master") || m.startsWith("already master")) return ALREADY;
        return REFUSED;
    }
}
