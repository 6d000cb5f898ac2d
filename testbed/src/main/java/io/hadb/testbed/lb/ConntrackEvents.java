package io.hadb.testbed.lb;

import java.util.Optional;

/**
 * Reads the lines of `conntrack -E -e NEW`, e.g.
 * "    [NEW] tcp      6 120 SYN_SENT src=10.213.0.50 dst=10.213.0.100 sport=52964 dport=3306 [UNREPLIED] src=10.213.1.11 dst=10.213.0.50 sport=3306 dport=52964":
 * the original direction names the client and the frontend, the reply direction's source is the
 * backend the flow was translated to.
 */
final class ConntrackEvents {
    record NewFlow(String client, int clientPort, String frontend, int port, String backend) {
    }

    private ConntrackEvents() {
    }

    /** The new TCP flow a line announces; empty for any other line (other events, garbage, summaries). */
    static Optional<NewFlow> parseNew(String line) {
        if (line == null) return Optional.empty();
        String[] f = line.strip().split("\\s+");
        if (f.length < 6 || !f[0].equals("[NEW]") || !f[1].equals("tcp")) return Optional.empty();
        String[] src = new String[2], dst = new String[2], sport = new String[2], dport = new String[2];
        int dir = -1;
        for (String w : f) {
            if (w.startsWith("src=")) dir++;
            if (dir < 0 || dir > 1) continue;
            int eq = w.indexOf('=');
            if (eq < 0) continue;
            String v = w.substring(eq + 1);
            switch (w.substring(0, eq)) {
                case "src" -> src[dir] = v;
                case "dst" -> dst[dir] = v;
                case "sport" -> sport[dir] = v;
                case "dport" -> dport[dir] = v;
                default -> { }
            }
        }
        if (dir < 1 || src[0] == null || dst[0] == null || sport[0] == null || dport[0] == null || src[1] == null)
            return Optional.empty();
        try {
            return Optional.of(new NewFlow(src[0], Integer.parseInt(sport[0]), dst[0], Integer.parseInt(dport[0]), src[1]));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
