package io.hadb.agent.control;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Renders the agent's JSON answers as the operator reads them (agentctl status, history). Pure text. */
public final class StatusView {
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS", Locale.ROOT);
    private static final List<String> RESOURCE_ORDER = List.of("drbd", "filesystem", "mysql", "probe");

    private StatusView() {}

    /** A crm_mon-like view of one status answer. */
    public static String status(JsonNode s) {
        StringBuilder b = new StringBuilder();
        String self = s.path("node").asText("?");
        if (s.path("starting").asBoolean(false)) return "hadb agent " + self + " is starting\n";
        JsonNode rec = s.path("record");
        String leader = text(s.get("leader"));
        String recMaster = text(rec.get("master"));
        b.append("Seen from ").append(self).append(" (pid ").append(s.path("pid").asText("?")).append(")\n");
        b.append("Quorum:      ").append(s.path("quorate").asBoolean() ? "yes" : "NO").append('\n');
        b.append("Term:        ").append(s.path("term").asLong()).append('\n');
        b.append("Master:      ").append(leader == null ? "none known" : leader);
        if (recMaster != null && !recMaster.equals(leader)) b.append(" (record names ").append(recMaster).append(')');
        b.append('\n');
        if (s.path("leaseValid").asBoolean(false))
            b.append("Lease left:  ").append(s.path("leaseRemainingMs").asLong()).append(" ms (this node)\n");
        else if (self.equals(leader))
            b.append("Lease left:  none (not renewed)\n");
        else
            b.append("Lease left:  - (held by the master)\n");
        b.append("Maintenance: ").append(rec.path("maintenance").asBoolean() ? "ON (resource actions frozen)" : "off").append('\n');
        b.append("Record:      ").append(rec.path("version").asText("?"));
        String why = rec.path("reason").asText("");
        if (!why.isEmpty()) b.append(" (").append(why).append(')');
        b.append('\n');
        if (s.path("forcedMaster").asBoolean(false))
            b.append("FORCED:      this node is master by the operator's forced promotion; the writes named above are given up\n");
        else if (s.path("forcePending").asBoolean(false))
            b.append("FORCED:      the operator forced this node's promotion: standing for election despite its Outdated copy\n");

        Set<String> standby = new HashSet<>();
        rec.path("standby").forEach(n -> standby.add(n.asText()));
        JsonNode outdated = rec.path("outdated");

        b.append('\n');
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NODE", "KIND", "ROLE", "UP", "LINKS", "DATA"});
        JsonNode nodes = s.get("nodes");
        if (nodes != null && nodes.isArray()) {
            for (JsonNode n : nodes) {
                String name = n.path("name").asText();
                String kind = n.path("kind").asText("?");
                boolean up = n.path("up").asBoolean();
                rows.add(new String[] {name + (n.path("self").asBoolean() ? "*" : ""), kind,
                        role(name, kind, leader, standby, up), up ? "up" : "DOWN", links(n), data(name, kind, outdated)});
            }
        } else {
            rows.add(new String[] {self + "*", "?", role(self, "data", leader, standby, true), "up", "-", data(self, "data", outdated)});
            for (JsonNode p : s.path("peersUp")) rows.add(new String[] {p.asText(), "?", role(p.asText(), "data", leader, standby, true), "up", "-", data(p.asText(), "data", outdated)});
            for (JsonNode p : s.path("peersDown")) rows.add(new String[] {p.asText(), "?", "-", "DOWN", "-", data(p.asText(), "data", outdated)});
        }
        table(b, rows);
        b.append("(* this node)\n");

        JsonNode res = s.get("resources");
        if (res != null && res.isObject()) {
            b.append('\n').append("Resources on ").append(self);
            if (res.has("goal")) b.append(" (goal: ").append(res.get("goal").asText()).append(')');
            b.append(":\n");
            List<String> keys = new ArrayList<>();
            for (String k : RESOURCE_ORDER) if (res.has(k)) keys.add(k);
            for (Iterator<String> it = res.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!keys.contains(k) && !k.equals("goal")) keys.add(k);
            }
            for (String k : keys) {
                JsonNode v = res.get(k);
                b.append(String.format(Locale.ROOT, "  %-11s %s%n", label(k), v.isValueNode() ? v.asText() : v.toString()));
            }
        }
        return b.toString();
    }

    private static String role(String name, String kind, String leader, Set<String> standby, boolean up) {
        String r;
        if (kind.equals("witness")) r = "witness";
        else if (name.equals(leader)) r = "master";
        else r = up ? "replica" : "-";
        if (standby.contains(name)) r += " (standby)";
        return r;
    }

    private static String links(JsonNode n) {
        if (n.path("self").asBoolean()) return "local";
        List<String> l = new ArrayList<>();
        int i = 0;
        for (JsonNode x : n.path("links")) l.add(i++ + ":" + (x.asBoolean() ? "up" : "down"));
        return l.isEmpty() ? "-" : String.join(" ", l);
    }

    private static String data(String name, String kind, JsonNode outdated) {
        if (kind.equals("witness")) return "-";
        JsonNode t = outdated.get(name);
        return t == null ? "UpToDate" : "Outdated since term " + t.asLong();
    }

    private static String label(String k) {
        return switch (k) {
            case "drbd" -> "DRBD";
            case "mysql" -> "mysqld";
            default -> k;
        };
    }

    private static void table(StringBuilder b, List<String[]> rows) {
        int[] w = new int[rows.get(0).length];
        for (String[] r : rows) for (int i = 0; i < r.length; i++) w[i] = Math.max(w[i], r[i].length());
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                line.append(r[i]);
                if (i < r.length - 1) line.append(" ".repeat(w[i] - r[i].length() + 2));
            }
            b.append(line.toString().stripTrailing()).append('\n');
        }
    }

    /** One line per remembered decision: wall time, time since the previous line, source, message. */
    public static String history(JsonNode h, ZoneId zone) {
        StringBuilder b = new StringBuilder();
        long prev = Long.MIN_VALUE;
        for (JsonNode e : h.path("history")) {
            long mono = e.path("mono").asLong();
            String delta = prev == Long.MIN_VALUE ? "" : "+" + millis(mono - prev);
            prev = mono;
            b.append(CLOCK.format(Instant.ofEpochMilli(e.path("wall").asLong()).atZone(zone)))
                    .append(String.format(Locale.ROOT, " %10s  %-10s ", delta, e.path("source").asText()))
                    .append(e.path("level").asText().equals("info") ? "" : e.path("level").asText().toUpperCase(Locale.ROOT) + " ")
                    .append(e.path("message").asText()).append('\n');
        }
        if (b.length() == 0) b.append("no decisions remembered yet\n");
        return b.toString();
    }

    static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.3fs", nanos / 1e9);
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }
}
