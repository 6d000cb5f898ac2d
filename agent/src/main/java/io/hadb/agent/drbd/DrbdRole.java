package io.hadb.agent.drbd;

/** A node's DRBD role, as events2 and status print it. */
public enum DrbdRole {
    PRIMARY("Primary"), SECONDARY("Secondary"), UNKNOWN("Unknown");

    private final String text;

    DrbdRole(String text) {
        this.text = text;
    }

    public String text() {
        return text;
    }

    /** Unrecognised words map to UNKNOWN: a newer DRBD must not crash the parser. */
    public static DrbdRole parse(String s) {
        for (DrbdRole r : values()) if (r.text.equals(s)) return r;
        return UNKNOWN;
    }
}
