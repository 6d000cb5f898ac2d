package io.hadb.agent.drbd;

/** The state of a backing disk (local `disk:` or `peer-disk:`). */
public enum DrbdDiskState {
    DISKLESS("Diskless"), ATTACHING("Attaching"), DETACHING("Detaching"), FAILED("Failed"),
    NEGOTIATING("Negotiating"), INCONSISTENT("Inconsistent"), OUTDATED("Outdated"), DUNKNOWN("DUnknown"),
    CONSISTENT("Consistent"), UPTODATE("UpToDate"), UNKNOWN("Unknown");

    private final String text;

    DrbdDiskState(String text) {
        this.text = text;
    }

    public String text() {
        return text;
    }

    public static DrbdDiskState parse(String s) {
        for (DrbdDiskState d : values()) if (d.text.equals(s)) return d;
        return UNKNOWN;
    }
}
