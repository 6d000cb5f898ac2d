package io.hadb.agent.systemd;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * What to tell systemd after each status answer of the agent: READY=1 once it has joined (it sees a quorum, or
 * the join grace has passed without one — then systemd's start must not hang on a missing peer, and STATUS says
 * what it waits for), and STATUS= whenever role, master, term or quorum changed. Pure.
 */
final class Readiness {
    private final long startNanos;
    private final long graceNanos;
    private boolean ready;
    private String lastStatus;

    Readiness(long startNanos, long graceMs) {
        this.startNanos = startNanos;
        this.graceNanos = graceMs * 1_000_000L;
    }

    /** @return the notifications to send now, each one datagram (possibly none) */
    List<String> update(JsonNode s, long now) {
        List<String> out = new ArrayList<>();
        if (s.path("starting").asBoolean(false)) return out;
        String status = statusLine(s);
        boolean quorate = s.path("quorate").asBoolean(false);
        if (!ready && (quorate || now - startNanos >= graceNanos)) {
            ready = true;
            lastStatus = status;
            out.add("READY=1\nSTATUS=" + status);
        } else if (ready && !status.equals(lastStatus)) {
            lastStatus = status;
            out.add("STATUS=" + status);
        }
        return out;
    }

    boolean ready() {
        return ready;
    }

    static String statusLine(JsonNode s) {
        String leader = s.path("leader").isNull() ? null : s.path("leader").asText(null);
        String role = s.path("role").asText("?");
        StringBuilder b = new StringBuilder();
        b.append(role);
        if (s.path("serving").asBoolean(false)) b.append(" (serving)");
        b.append("; master ").append(leader == null ? "none known" : leader);
        b.append("; term ").append(s.path("term").asLong());
        b.append(s.path("quorate").asBoolean(false) ? "; quorate" : "; NO QUORUM: waiting for peers");
        if (s.path("record").path("maintenance").asBoolean(false)) b.append("; maintenance on");
        return b.toString();
    }
}
