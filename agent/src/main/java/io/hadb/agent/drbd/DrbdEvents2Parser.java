package io.hadb.agent.drbd;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Folds the lines of `drbdsetup events2 [--timestamps] [--statistics] [--now]` for one resource
 * into a {@link DrbdResourceState}. Pure: feed it lines, read states; no I/O, no clock.
 *
 * <p>Line shape (drbd-utils 9, on an 8.4 or a 9 kernel module):
 * {@code [TIMESTAMP] VERB OBJECT key:value ...}, VERB one of exists/create/change/destroy for the
 * objects resource, device, connection, peer-device and path, or call/response for helper; and
 * {@code [TIMESTAMP] exists -} ending the initial dump. A change line carries only the state fields
 * that changed (plus statistics), so every field not on the line keeps its value.
 */
public final class DrbdEvents2Parser {
    private static final Pattern TIMESTAMP = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\S+");

    private final String resource;
    private boolean dumpComplete;
    private boolean resourceExists;
    private DrbdRole role = DrbdRole.UNKNOWN;
    private Set<DrbdSuspension> suspended = Set.of();
    private boolean splitBrain;
    // keyed by volume, and by peer-node-id (+ volume): DRBD 9 may have several; the state reports the first
    private final Map<String, Device> devices = new TreeMap<>();
    private final Map<String, Connection> connections = new TreeMap<>();
    private final Map<String, PeerDevice> peerDevices = new TreeMap<>();
    private DrbdResourceState current;

    private static final class Device {
        DrbdDiskState disk = DrbdDiskState.DISKLESS;
        long size;
    }

    private static final class Connection {
        DrbdConnectionState state = DrbdConnectionState.STANDALONE;
        DrbdRole peerRole = DrbdRole.UNKNOWN;
    }

    private static final class PeerDevice {
        DrbdReplicationState replication = DrbdReplicationState.OFF;
        DrbdDiskState peerDisk = DrbdDiskState.DUNKNOWN;
        long outOfSync;
        long resyncStartOutOfSync;
    }

    public DrbdEvents2Parser(String resource) {
        this.resource = resource;
        this.current = DrbdResourceState.absent(resource);
    }

    public String resource() {
        return resource;
    }

    /** The state folded from every line so far. */
    public DrbdResourceState current() {
        return current;
    }

    /** True once the `exists -` line that ends the initial dump has been seen. */
    public boolean initialDumpComplete() {
        return dumpComplete;
    }

    /**
     * Folds one line.
     *
     * @return the new state when this line changed it, or when it ends the initial dump; empty when
     *         the line concerns another resource or changed nothing this state tracks
     * @throws DrbdParseException when the line is not an events2 line; the folded state is unchanged
     */
    public Optional<DrbdResourceState> accept(String line) throws DrbdParseException {
        String[] tok = line.strip().split("\\s+");
        int i = 0;
        if (tok.length > 0 && TIMESTAMP.matcher(tok[0]).matches()) i++;
        if (tok.length - i < 2 || tok[i].isEmpty()) throw new DrbdParseException("not an events2 line", line);
        String verb = tok[i];
        String object = tok[i + 1];
        if (!Set.of("exists", "create", "change", "destroy", "call", "response").contains(verb)) {
            throw new DrbdParseException("unknown events2 verb '" + verb + "'", line);
        }
        if (object.equals("-")) {
            if (!verb.equals("exists")) throw new DrbdParseException("'-' only ends the initial dump", line);
            dumpComplete = true;
            return Optional.of(current);
        }
        Map<String, String> f = new LinkedHashMap<>();
        for (int k = i + 2; k < tok.length; k++) {
            int c = tok[k].indexOf(':');
            if (c <= 0) throw new DrbdParseException("field without key:value '" + tok[k] + "'", line);
            f.put(tok[k].substring(0, c), tok[k].substring(c + 1));
        }
        String name = f.get("name");
        if (name == null) throw new DrbdParseException("events2 line without name:", line);
        if (!name.equals(resource)) return Optional.empty();
        fold(verb, object, f, line);
        DrbdResourceState next = build();
        if (next.equals(current)) return Optional.empty();
        current = next;
        return Optional.of(next);
    }

    private void fold(String verb, String object, Map<String, String> f, String line) throws DrbdParseException {
        boolean destroy = verb.equals("destroy");
        switch (object) {
            case "resource" -> {
                if (destroy) {
                    resourceExists = false;
                    role = DrbdRole.UNKNOWN;
                    suspended = Set.of();
                    splitBrain = false;
                    devices.clear();
                    connections.clear();
                    peerDevices.clear();
                    return;
                }
                resourceExists = true;
                if (f.containsKey("role")) role = DrbdRole.parse(f.get("role"));
                if (f.containsKey("suspended")) suspended = DrbdSuspension.parseSet(f.get("suspended"));
            }
            case "device" -> {
                String key = f.getOrDefault("volume", "0");
                if (destroy) {
                    devices.remove(key);
                    return;
                }
                resourceExists = true;
                Device d = devices.computeIfAbsent(key, k -> new Device());
                if (f.containsKey("disk")) d.disk = DrbdDiskState.parse(f.get("disk"));
                if (f.containsKey("size")) d.size = number(f, "size", line);
            }
            case "connection" -> {
                String key = f.getOrDefault("peer-node-id", "0");
                if (destroy) {
                    connections.remove(key);
                    return;
                }
                Connection c = connections.computeIfAbsent(key, k -> new Connection());
                if (f.containsKey("connection")) c.state = DrbdConnectionState.parse(f.get("connection"));
                if (f.containsKey("role")) c.peerRole = DrbdRole.parse(f.get("role"));
            }
            case "peer-device" -> {
                String key = f.getOrDefault("peer-node-id", "0") + "/" + f.getOrDefault("volume", "0");
                if (destroy) {
                    peerDevices.remove(key);
                    return;
                }
                PeerDevice p = peerDevices.computeIfAbsent(key, k -> new PeerDevice());
                if (f.containsKey("replication")) {
                    DrbdReplicationState r = DrbdReplicationState.parse(f.get("replication"));
                    if (r.resyncing() && !p.replication.resyncing()) p.resyncStartOutOfSync = 0;
                    p.replication = r;
                    // a link that agrees on data again ends a split brain episode
                    if (r.linked()) splitBrain = false;
                }
                if (f.containsKey("peer-disk")) p.peerDisk = DrbdDiskState.parse(f.get("peer-disk"));
                if (f.containsKey("out-of-sync")) p.outOfSync = number(f, "out-of-sync", line);
                if (p.replication.resyncing()) p.resyncStartOutOfSync = Math.max(p.resyncStartOutOfSync, p.outOfSync);
            }
            case "helper" -> {
                String helper = f.getOrDefault("helper", "");
                if (verb.equals("call") && (helper.equals("split-brain") || helper.equals("initial-split-brain"))) {
                    splitBrain = true;
                }
            }
            default -> {
                // path and any object a newer DRBD adds carry nothing this state tracks
            }
        }
    }

    private static long number(Map<String, String> f, String key, String line) throws DrbdParseException {
        try {
            return Long.parseLong(f.get(key));
        } catch (NumberFormatException e) {
            throw new DrbdParseException("'" + key + "' is not a number", line);
        }
    }

    private DrbdResourceState build() {
        if (!resourceExists) return DrbdResourceState.absent(resource);
        Device d = devices.isEmpty() ? null : devices.values().iterator().next();
        Connection c = connections.isEmpty() ? null : connections.values().iterator().next();
        PeerDevice p = peerDevices.isEmpty() ? null : peerDevices.values().iterator().next();
        OptionalDouble done = OptionalDouble.empty();
        if (p != null && p.replication.resyncing() && p.resyncStartOutOfSync > 0) {
            done = OptionalDouble.of(100.0 * (p.resyncStartOutOfSync - p.outOfSync) / p.resyncStartOutOfSync);
        }
        return new DrbdResourceState(resource, true, role, suspended.isEmpty() ? Set.of() : EnumSet.copyOf(suspended),
                d == null ? DrbdDiskState.DISKLESS : d.disk, d == null ? 0 : d.size,
                c == null ? DrbdConnectionState.STANDALONE : c.state,
                c == null ? DrbdRole.UNKNOWN : c.peerRole,
                p == null ? DrbdDiskState.DUNKNOWN : p.peerDisk,
                p == null ? DrbdReplicationState.OFF : p.replication,
                p == null ? 0 : p.outOfSync, done, splitBrain);
    }
}
