package io.hadb.agent.drbd;

/** The replication state of a peer device (`replication:`). */
public enum DrbdReplicationState {
    OFF("Off"), ESTABLISHED("Established"), STARTING_SYNC_S("StartingSyncS"), STARTING_SYNC_T("StartingSyncT"),
    WF_BITMAP_S("WFBitMapS"), WF_BITMAP_T("WFBitMapT"), WF_SYNC_UUID("WFSyncUUID"), SYNC_SOURCE("SyncSource"),
    SYNC_TARGET("SyncTarget"), PAUSED_SYNC_S("PausedSyncS"), PAUSED_SYNC_T("PausedSyncT"), VERIFY_S("VerifyS"),
    VERIFY_T("VerifyT"), AHEAD("Ahead"), BEHIND("Behind"), UNKNOWN("Unknown");

    private final String text;

    DrbdReplicationState(String text) {
        this.text = text;
    }

    public String text() {
        return text;
    }

    /** True while data is being copied to or from the peer. */
    public boolean resyncing() {
        return this == SYNC_SOURCE || this == SYNC_TARGET || this == PAUSED_SYNC_S || this == PAUSED_SYNC_T;
    }

    /** True once the peers have agreed on data (anything but Off and Unknown). */
    public boolean linked() {
        return this != OFF && this != UNKNOWN;
    }

    public static DrbdReplicationState parse(String s) {
        for (DrbdReplicationState r : values()) if (r.text.equals(s)) return r;
        return UNKNOWN;
    }
}
