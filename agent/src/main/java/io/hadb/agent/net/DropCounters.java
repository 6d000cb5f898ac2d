package io.hadb.agent.net;

import io.hadb.protocol.wire.DropReason;
import java.util.EnumMap;
import java.util.Map;

/**
 * Datagrams accepted and dropped by reason, and when each reason was last logged, so that a flood is logged
 * once per interval with a count instead of once per datagram. Used from the event loop only.
 */
public final class DropCounters {
    public static final long LOG_INTERVAL_NANOS = 10_000_000_000L;

    private final long[] dropped = new long[DropReason.values().length];
    private final long[] sinceLog = new long[DropReason.values().length];
    private final long[] lastLog = new long[DropReason.values().length];
    private long accepted;

    public void accepted() {
        accepted++;
    }

    /** Counts a drop; returns how many of this reason to report now, or 0 when the log line is not due. */
    public long dropped(DropReason r, long now) {
        int i = r.ordinal();
        dropped[i]++;
        sinceLog[i]++;
        if (lastLog[i] == 0 || now - lastLog[i] >= LOG_INTERVAL_NANOS) {
            lastLog[i] = now;
            long n = sinceLog[i];
            sinceLog[i] = 0;
            return n;
        }
        return 0;
    }

    public long acceptedCount() {
        return accepted;
    }

    public Map<DropReason, Long> snapshot() {
        Map<DropReason, Long> m = new EnumMap<>(DropReason.class);
        for (DropReason r : DropReason.values()) m.put(r, dropped[r.ordinal()]);
        return m;
    }
}
