package io.hadb.testbed.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Renders the nodes' status answers as a compact table (pure). */
final class StatusTable {
    private static final List<String> HEAD = List.of("NODE", "PID", "ROLE", "TERM", "MASTER", "SERVING", "QUORUM",
            "LEASE", "PEERS UP", "RESOURCES");

    private StatusTable() {
    }

    /**
     * @param views  node → its agent's status JSON, or null when it runs but does not answer, or is down
     * @param pids   node → agent pid, or null when not running
     * @param probes data node → whether its TCP probe accepted a connection
     */
    static String render(Map<String, JsonNode> views, Map<String, Long> pids, Map<String, Boolean> probes, int probePort) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(HEAD);
        for (Map.Entry<String, JsonNode> e : views.entrySet()) {
            String node = e.getKey();
            Long pid = pids.get(node);
            JsonNode j = e.getValue();
            if (pid == null) {
                rows.add(List.of(node, "-", "down", "", "", "", "", "", "", ""));
            } else if (j == null) {
                rows.add(List.of(node, pid.toString(), "no answer", "", "", "", "", "", "", ""));
            } else if (j.path("starting").asBoolean()) {
                rows.add(List.of(node, pid.toString(), "starting", "", "", "", "", "", "", ""));
            } else {
                List<String> up = new ArrayList<>();
                j.path("peersUp").forEach(x -> up.add(x.asText()));
                rows.add(List.of(node, pid.toString(), j.path("role").asText("?"), j.path("term").asText(""),
                        j.path("leader").isNull() || j.path("leader").isMissingNode() ? "-" : j.path("leader").asText(),
                        yesNo(j.path("serving")), yesNo(j.path("quorate")),
                        j.path("leaseValid").asBoolean() ? j.path("leaseRemainingMs").asText() + " ms" : "-",
                        up.isEmpty() ? "-" : String.join(",", up), resources(j)));
            }
        }
        StringBuilder b = new StringBuilder(table(rows));
        List<String> open = new ArrayList<>();
        probes.forEach((n, o) -> {
            if (o) open.add(n);
        });
        b.append("TCP probe (port ").append(probePort).append(") open on: ")
                .append(open.isEmpty() ? "no node" : String.join(", ", open))
                .append(open.size() > 1 ? "   <-- MORE THAN ONE: a safety violation" : "").append('\n');
        return b.toString();
    }

    private static String yesNo(JsonNode v) {
        return v.isMissingNode() || v.isNull() ? "?" : v.asBoolean() ? "yes" : "no";
    }

    /** The agent's "resources" part (goal, drbd, mysql, probe), when it manages resources. */
    static String resources(JsonNode j) {
        JsonNode r = j.get("resources");
        if (r == null || !r.isObject()) return "-";
        List<String> parts = new ArrayList<>();
        r.fields().forEachRemaining(f -> {
            if (f.getValue().isValueNode()) parts.add(f.getKey() + "=" + f.getValue().asText());
        });
        return parts.isEmpty() ? "-" : String.join(" ", parts);
    }

    private static String table(List<List<String>> rows) {
        int cols = rows.get(0).size();
        int[] w = new int[cols];
        for (List<String> r : rows) for (int i = 0; i < cols; i++) w[i] = Math.max(w[i], r.get(i).length());
        StringBuilder b = new StringBuilder();
        for (List<String> r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < cols; i++) {
                line.append(r.get(i));
                if (i < cols - 1) line.append(" ".repeat(w[i] - r.get(i).length() + 2));
            }
            b.append(line.toString().stripTrailing()).append('\n');
        }
        return b.toString();
    }
}
