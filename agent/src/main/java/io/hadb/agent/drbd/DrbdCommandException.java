package io.hadb.agent.drbd;

import java.util.List;

/**
 * drbdadm or drbdsetup refused or failed: the kind (what the agent can do about it), the tool's
 * exit code (-1 when it never exited: timeout, could not start) and its own message.
 */
public final class DrbdCommandException extends Exception {

    /** Why the command failed, derived from the exit code and DRBD's own message. */
    public enum Kind {
        /** (-1) Multiple primaries not allowed by config: the connected peer is Primary (exit 11). */
        PEER_IS_PRIMARY,
        /** (-2) Need access to UpToDate data: local disk Outdated/Inconsistent (exit 17). */
        NO_UP_TO_DATE_DATA,
        /** (-12) Device is held open by someone: demotion while mounted or open (exit 11). */
        DEVICE_HELD_OPEN,
        /** (-7) Refusing to be Primary while peer is not outdated (exit 11): retry after the peer is gone. */
        PEER_NOT_OUTDATED,
        /** DRBD 9 quorum lost (-25). */
        NO_QUORUM,
        /** The resource, minor or connection does not exist in the kernel (exit 10). */
        NOT_CONFIGURED,
        /** No DRBD module in the kernel (drbdsetup cannot reach the drbd netlink family). */
        MODULE_NOT_LOADED,
        /** The command did not finish within its timeout and was killed. */
        TIMEOUT,
        OTHER
    }

    private final Kind kind;
    private final int exitCode;
    private final String toolMessage;
    private final List<String> command;

    public DrbdCommandException(Kind kind, List<String> command, int exitCode, String toolMessage) {
        super(String.join(" ", command) + " failed (" + kind + ", exit " + exitCode + ")"
                + (toolMessage.isBlank() ? "" : ": " + toolMessage.strip().replace('\n', ' ')));
        this.kind = kind;
        this.exitCode = exitCode;
        this.toolMessage = toolMessage.strip();
        this.command = List.copyOf(command);
    }

    public Kind kind() {
        return kind;
    }

    public int exitCode() {
        return exitCode;
    }

    /** What the tool printed (stderr, else stdout), stripped. */
    public String toolMessage() {
        return toolMessage;
    }

    public List<String> command() {
        return command;
    }

    /** Pure: the kind of a failed command from its exit code and output. */
    public static Kind classify(int exitCode, String output) {
        if (output.contains("(-1) Multiple primaries not allowed")) return Kind.PEER_IS_PRIMARY;
        if (output.contains("(-12) Device is held open")) return Kind.DEVICE_HELD_OPEN;
        if (output.contains("(-7) Refusing to be Primary while peer is not outdated")) return Kind.PEER_NOT_OUTDATED;
        if (output.contains("No quorum") || output.contains("(-25)")) return Kind.NO_QUORUM;
        if (output.contains("(-2) Need access to UpToDate data")) return Kind.NO_UP_TO_DATE_DATA;
        if (output.contains("generic netlink family") || output.contains("Module drbd not found")
                || output.contains("module not loaded")) {
            return Kind.MODULE_NOT_LOADED;
        }
        if (exitCode == 10 && (output.contains("No such resource") || output.contains("Device minor not allocated")
                || output.contains("unknown connection") || output.contains("unknown resource")
                || output.contains("not defined in your config"))) {
            return Kind.NOT_CONFIGURED;
        }
        // drbdsetup's exit 17 is always "no access to good data"; outdate of a frozen Primary prints nothing else
        if (exitCode == 17) return Kind.NO_UP_TO_DATE_DATA;
        return Kind.OTHER;
    }
}
