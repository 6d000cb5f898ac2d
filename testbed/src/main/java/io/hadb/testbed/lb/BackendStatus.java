package io.hadb.testbed.lb;

import java.util.Locale;

/** A backend's probe state as `sandbox status` shows it. lastProbeMonoNanos is 0 before the first probe. */
public record BackendStatus(String name, String address, String probe, boolean up, int streak,
                            ProbeResult lastResult, long lastProbeMonoNanos) {
    public String line(long nowMonoNanos) {
        String last = lastResult == null ? "no probe yet"
                : String.format(Locale.ROOT, "last %s (%s) %.1f s ago, %d in a row", lastResult.outcome(), lastResult.detail(),
                (nowMonoNanos - lastProbeMonoNanos) / 1e9, streak);
        return String.format(Locale.ROOT, "%-8s %-15s %-14s %-4s %s", name, address, probe, up ? "UP" : "DOWN", last);
    }
}
