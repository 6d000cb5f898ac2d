package io.hadb.agent.drbd;

import java.util.EnumSet;
import java.util.Set;

/** Why I/O on a resource is suspended (`suspended:` in events2, e.g. `fencing` while the fence-peer handler runs). */
public enum DrbdSuspension {
    USER("user"), NO_DATA("no-data"), FENCING("fencing"), QUORUM("quorum"), UNKNOWN("unknown");

    private final String text;

    DrbdSuspension(String text) {
        this.text = text;
    }

    public String text() {
        return text;
    }

    /** Parses `no`, one reason, or several joined by commas. */
    public static Set<DrbdSuspension> parseSet(String s) {
        EnumSet<DrbdSuspension> out = EnumSet.noneOf(DrbdSuspension.class);
        if (s.isEmpty() || s.equals("no")) return out;
        for (String part : s.split(",")) {
            DrbdSuspension found = UNKNOWN;
            for (DrbdSuspension r : values()) if (r.text.equals(part)) found = r;
            out.add(found);
        }
        return out;
    }
}
