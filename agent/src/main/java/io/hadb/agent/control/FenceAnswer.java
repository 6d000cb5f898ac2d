package io.hadb.agent.control;

/** DRBD's fence-peer exit codes, as the handler returns them (drbd.conf(5), "fence-peer"). */
public final class FenceAnswer {
    public static final int KEEP_FROZEN = 1;
    public static final int PEER_INCONSISTENT = 3;
    public static final int PEER_OUTDATED = 4;

    private FenceAnswer() {}

    public static String describe(int code) {
        return switch (code) {
            case 3 -> "peer is Inconsistent: I/O resumes";
            case 4 -> "peer is Outdated: I/O resumes";
            case 7 -> "peer fenced: I/O resumes";
            default -> "peer not confirmed Outdated: I/O stays frozen";
        };
    }
}
