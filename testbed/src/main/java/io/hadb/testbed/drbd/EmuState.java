package io.hadb.testbed.drbd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the emulated kernels of all nodes know about one resource, persisted as JSON in
 * the shared state directory and changed only under the resource's file lock.
 */
final class EmuState {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One node's emulated kernel state for the resource, plus its metadata (disk state, image). */
    static final class Node {
        boolean up;             // the resource exists in this node's kernel
        String role = "Secondary";
        String disk = "Inconsistent"; // persisted like DRBD's metadata: survives down/up
        boolean wantConnect;    // false after `disconnect` or a split brain: StandAlone
        String file = "";       // the image file this node's loop device maps now
        String loop = "";       // /dev/loopN, empty when none
        boolean diverged;       // was Primary while not connected: has data the peer lacks
        int incarnation;        // bumped by node-down: ends that node's events2 streams
        String frozenMount = ""; // set while the emulator holds this node's filesystem frozen
        String suspended = "no";  // "fencing" while a Primary that lost its peer has its I/O frozen
        String peerDiskKnown = ""; // what the fence-peer handler made of the peer (Outdated...), shown while unlinked
        long fenceToken;        // the fence-peer job whose answer this node waits for; 0 when none
        String diskBeforeDetach = ""; // what `attach` finds in the metadata again
    }

    /** A handler run by a detached worker process (`drbdemu helper-worker RES TOKEN`). */
    static final class Job {
        long token;
        String node = "";
        String helper = "";     // fence-peer, or after-resync-target (which then ends the resync)
        int incarnation;        // the node's incarnation when queued: a rebooted node ignores it
        long pid;               // the worker, once it runs; killed by cleanup
        boolean spawned;
    }

    final List<Job> jobs = new ArrayList<>();
    long nextToken = 1;
    boolean syncEnding;     // the resync's time is up; its after-resync-target handler runs

    final Map<String, Node> nodes = new LinkedHashMap<>();
    boolean linkCut;
    boolean connectedFlag;  // the two kernels completed their handshake and are Connected
    boolean splitBrain;
    // a running resync: data already points at the source's image; states flip when it ends
    String syncSource = "";
    String syncTarget = "";
    long syncStartMs;
    long syncEndMs;
    long syncTotalKiB;
    /** Files the emulator created (forks), removed by cleanup. */
    final List<String> createdFiles = new ArrayList<>();

    Job job(long token) {
        for (Job j : jobs) if (j.token == token) return j;
        return null;
    }

    Node node(String name) {
        return nodes.computeIfAbsent(name, n -> new Node());
    }

    boolean connected() {
        return connectedFlag;
    }

    boolean syncing() {
        return !syncSource.isEmpty();
    }

    String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("linkCut", linkCut).put("connected", connectedFlag).put("splitBrain", splitBrain).put("syncSource", syncSource)
                .put("syncTarget", syncTarget).put("syncStartMs", syncStartMs).put("syncEndMs", syncEndMs)
                .put("syncTotalKiB", syncTotalKiB);
        createdFiles.forEach(root.putArray("createdFiles")::add);
        root.put("nextToken", nextToken).put("syncEnding", syncEnding);
        ArrayNode js = root.putArray("jobs");
        for (Job j : jobs) {
            js.addObject().put("token", j.token).put("node", j.node).put("helper", j.helper).put("incarnation", j.incarnation)
                    .put("pid", j.pid).put("spawned", j.spawned);
        }
        ObjectNode ns = root.putObject("nodes");
        for (Map.Entry<String, Node> e : nodes.entrySet()) {
            Node n = e.getValue();
            ns.putObject(e.getKey()).put("up", n.up).put("role", n.role).put("disk", n.disk)
                    .put("wantConnect", n.wantConnect).put("file", n.file).put("loop", n.loop)
                    .put("diverged", n.diverged).put("incarnation", n.incarnation).put("frozenMount", n.frozenMount)
                    .put("suspended", n.suspended).put("peerDiskKnown", n.peerDiskKnown).put("fenceToken", n.fenceToken)
                    .put("diskBeforeDetach", n.diskBeforeDetach);
        }
        return root.toPrettyString();
    }

    static EmuState fromJson(String text) throws java.io.IOException {
        EmuState s = new EmuState();
        if (text.isBlank()) return s;
        JsonNode root = JSON.readTree(text);
        s.linkCut = root.path("linkCut").asBoolean();
        s.splitBrain = root.path("splitBrain").asBoolean();
        s.connectedFlag = root.path("connected").asBoolean();
        s.syncSource = root.path("syncSource").asText("");
        s.syncTarget = root.path("syncTarget").asText("");
        s.syncStartMs = root.path("syncStartMs").asLong();
        s.syncEndMs = root.path("syncEndMs").asLong();
        s.syncTotalKiB = root.path("syncTotalKiB").asLong();
        root.path("createdFiles").forEach(f -> s.createdFiles.add(f.asText()));
        s.nextToken = root.path("nextToken").asLong(1);
        s.syncEnding = root.path("syncEnding").asBoolean();
        root.path("jobs").forEach(j -> {
            Job job = new Job();
            job.token = j.path("token").asLong();
            job.node = j.path("node").asText("");
            job.helper = j.path("helper").asText("");
            job.incarnation = j.path("incarnation").asInt();
            job.pid = j.path("pid").asLong();
            job.spawned = j.path("spawned").asBoolean();
            s.jobs.add(job);
        });
        root.path("nodes").fields().forEachRemaining(e -> {
            JsonNode j = e.getValue();
            Node n = s.node(e.getKey());
            n.up = j.path("up").asBoolean();
            n.role = j.path("role").asText("Secondary");
            n.disk = j.path("disk").asText("Inconsistent");
            n.wantConnect = j.path("wantConnect").asBoolean();
            n.file = j.path("file").asText("");
            n.loop = j.path("loop").asText("");
            n.diverged = j.path("diverged").asBoolean();
            n.incarnation = j.path("incarnation").asInt();
            n.frozenMount = j.path("frozenMount").asText("");
            n.suspended = j.path("suspended").asText("no");
            n.peerDiskKnown = j.path("peerDiskKnown").asText("");
            n.fenceToken = j.path("fenceToken").asLong();
            n.diskBeforeDetach = j.path("diskBeforeDetach").asText("");
        });
        return s;
    }
}
