package io.hadb.agent.drbd;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * Reads one resource's state from `drbdadm status` / `drbdsetup status [--verbose] [--statistics]`
 * text (8.4 module through drbd-utils 9, and DRBD 9) and from `drbdsetup status --json` (DRBD 9
 * only). Pure. Split brain is never in status output: events2 is where it shows.
 */
public final class DrbdStatusParser {
    private static final ObjectMapper JSON = new ObjectMapper();

    private DrbdStatusParser() {
    }

    /**
     * Parses the text form. The layout is by indentation: the resource line at column 0, the
     * device and each connection at 2, a connection's peer device at 4, statistics deeper.
     */
    public static DrbdResourceState parseText(String resource, String text) throws DrbdParseException {
        Map<String, String> res = null, dev = new HashMap<>(), peerDev = new HashMap<>();
        Map<String, String> conn = null;
        String section = "";
        boolean inResource = false;
        for (String line : text.split("\n")) {
            if (line.isBlank()) continue;
            int indent = 0;
            while (indent < line.length() && line.charAt(indent) == ' ') indent++;
            String[] tok = line.strip().split("\\s+");
            if (indent == 0) {
                String name = tok[0].endsWith(":") ? tok[0].substring(0, tok[0].length() - 1) : tok[0];
                inResource = name.equals(resource);
                if (inResource) {
                    if (tok.length < 2 || !tok[1].contains(":")) {
                        throw new DrbdParseException("resource line without fields", line);
                    }
                    res = fields(tok, 1, line);
                    section = "resource";
                }
                continue;
            }
            if (!inResource) continue;
            if (res == null) throw new DrbdParseException("indented line before the resource line", line);
            if (indent == 2) {
                if (tok[0].contains(":")) {
                    section = "device";
                    dev.putAll(fields(tok, 0, line));
                } else {
                    // first connection only: a two-node pair has one peer
                    section = conn == null ? "connection" : "other-connection";
                    if (conn == null) conn = fields(tok, 1, line);
                }
            } else {
                Map<String, String> f = fields(tok, 0, line);
                switch (section) {
                    case "resource" -> res.putAll(f);
                    case "device" -> dev.putAll(f);
                    case "connection" -> peerDev.putAll(f);
                    default -> { }
                }
            }
        }
        if (res == null) throw new DrbdParseException("no status for resource " + resource, text);
        DrbdConnectionState cs = DrbdConnectionState.STANDALONE;
        DrbdReplicationState rep = DrbdReplicationState.OFF;
        DrbdRole peerRole = DrbdRole.UNKNOWN;
        DrbdDiskState peerDisk = DrbdDiskState.DUNKNOWN;
        long oos = 0;
        OptionalDouble done = OptionalDouble.empty();
        if (conn != null) {
            // status leaves out connection:Connected and (on DRBD 9) replication:Established
            cs = DrbdConnectionState.parse(conn.getOrDefault("connection", "Connected"));
            peerRole = DrbdRole.parse(conn.getOrDefault("role", "Unknown"));
            String repDefault = cs == DrbdConnectionState.CONNECTED ? "Established" : "Off";
            rep = DrbdReplicationState.parse(peerDev.getOrDefault("replication", repDefault));
            peerDisk = DrbdDiskState.parse(peerDev.getOrDefault("peer-disk", "DUnknown"));
            oos = number(peerDev, "out-of-sync", text);
            if (peerDev.containsKey("done")) done = OptionalDouble.of(decimal(peerDev.get("done"), text));
        }
        return new DrbdResourceState(resource, true, DrbdRole.parse(res.getOrDefault("role", "Unknown")),
                DrbdSuspension.parseSet(res.getOrDefault("suspended", "no")),
                DrbdDiskState.parse(dev.getOrDefault("disk", "Diskless")), number(dev, "size", text),
                cs, peerRole, peerDisk, rep, oos, done, false);
    }

    /** Parses DRBD 9's `drbdsetup status --json [RES]`: an array of resources. */
    public static DrbdResourceState parseJson(String resource, String json) throws DrbdParseException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new DrbdParseException("status --json is not JSON (" + e.getOriginalMessage() + ")", json);
        }
        if (root == null || !root.isArray()) throw new DrbdParseException("status --json is not an array", json);
        for (JsonNode r : root) {
            if (!resource.equals(r.path("name").asText())) continue;
            Set<DrbdSuspension> susp = EnumSet.noneOf(DrbdSuspension.class);
            JsonNode s = r.path("suspended");
            if (s.isTextual()) susp.addAll(DrbdSuspension.parseSet(s.asText()));
            if (r.path("suspended-user").asBoolean(false)) susp.add(DrbdSuspension.USER);
            if (r.path("suspended-no-data").asBoolean(false)) susp.add(DrbdSuspension.NO_DATA);
            if (r.path("suspended-fencing").asBoolean(false)) susp.add(DrbdSuspension.FENCING);
            if (r.path("suspended-quorum").asBoolean(false)) susp.add(DrbdSuspension.QUORUM);
            if (s.asBoolean(false) && susp.isEmpty()) susp.add(DrbdSuspension.UNKNOWN);
            JsonNode dev = r.path("devices").path(0);
            JsonNode conn = r.path("connections").path(0);
            JsonNode pd = conn.path("peer_devices").path(0);
            DrbdReplicationState rep = conn.isMissingNode() ? DrbdReplicationState.OFF
                    : DrbdReplicationState.parse(pd.path("replication-state").asText("Off"));
            OptionalDouble done = OptionalDouble.empty();
            if (pd.has("percent-resync-done")) done = OptionalDouble.of(pd.path("percent-resync-done").asDouble());
            else if (rep.resyncing() && pd.has("percent-in-sync")) {
                done = OptionalDouble.of(pd.path("percent-in-sync").asDouble());
            }
            return new DrbdResourceState(resource, true, DrbdRole.parse(r.path("role").asText("Unknown")), susp,
                    DrbdDiskState.parse(dev.path("disk-state").asText("Diskless")), dev.path("size").asLong(0),
                    conn.isMissingNode() ? DrbdConnectionState.STANDALONE
                            : DrbdConnectionState.parse(conn.path("connection-state").asText("Unknown")),
                    DrbdRole.parse(conn.path("peer-role").asText("Unknown")),
                    DrbdDiskState.parse(pd.path("peer-disk-state").asText("DUnknown")),
                    rep, pd.path("out-of-sync").asLong(0), done, false);
        }
        throw new DrbdParseException("no status for resource " + resource, json);
    }

    private static Map<String, String> fields(String[] tok, int from, String line) throws DrbdParseException {
        Map<String, String> f = new HashMap<>();
        for (int k = from; k < tok.length; k++) {
            int c = tok[k].indexOf(':');
            if (c <= 0) throw new DrbdParseException("field without key:value '" + tok[k] + "'", line);
            f.put(tok[k].substring(0, c), tok[k].substring(c + 1));
        }
        return f;
    }

    private static long number(Map<String, String> f, String key, String text) throws DrbdParseException {
        String v = f.get(key);
        if (v == null) return 0;
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new DrbdParseException("'" + key + "' is not a number", text);
        }
    }

    private static double decimal(String v, String text) throws DrbdParseException {
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new DrbdParseException("'" + v + "' is not a number", text);
        }
    }
}
