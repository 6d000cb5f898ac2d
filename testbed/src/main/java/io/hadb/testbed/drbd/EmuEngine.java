package io.hadb.testbed.drbd;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The emulated DRBD kernels of a two-node resource. Every method runs inside one locked
 * transaction on the shared {@link EmuState}; each visible change is a "step" whose events2
 * lines are appended to every live node's event log, so streams see what real DRBD prints.
 *
 * <p>Replication: connected nodes map one image file; when the link goes, the Secondary copies
 * it to a file of its own (the Primary's filesystem frozen meanwhile) and its loop device is
 * rebound; on reconnect the side that did not diverge is rebound to the other's file (the
 * resync) and shows SyncTarget for a while; if both diverged it is a split brain.
 */
final class EmuEngine {
    static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'+00:00'")
            .withZone(ZoneOffset.UTC);

    private final DrbdResourceConf conf;
    private final EmuEnv env;
    private final EmuStore store;
    private final LoopDevices loops;
    // transient, per step: connection state shown instead of the derived one ("-" = no connection object)
    private final Map<String, String> connOv = new HashMap<>();
    private final Map<String, String> diskOv = new HashMap<>();
    private final Set<String> silent = new HashSet<>();

    EmuEngine(DrbdResourceConf conf, EmuEnv env, EmuStore store, LoopDevices loops) {
        this.conf = conf;
        this.env = env;
        this.store = store;
        this.loops = loops;
    }

    String me() {
        return env.node();
    }

    int nodeId(String node) {
        return conf.nodeId(node);
    }

    String peerName(String node) {
        return conf.peerOf(node).map(DrbdResourceConf.Host::name).orElse("");
    }

    DrbdResourceConf.Host host(String node) {
        return conf.host(node).orElseThrow(() -> new IllegalArgumentException("no 'on " + node + "' in resource " + conf.name()));
    }

    // ---------------------------------------------------------------- views and steps

    NodeView.Ids ids(String node) {
        if (env.kernel9()) {
            String peer = peerName(node);
            return new NodeView.Ids(conf.name(), host(node).minor(), conf.nodeId(peer), peer);
        }
        return new NodeView.Ids(conf.name(), host(node).minor(), 0, "peer");
    }

    /** Fully connected as seen from node: the handshake is done and node has not let go. */
    boolean linked(EmuState s, String node) {
        EmuState.Node x = s.node(node);
        return x.up && s.connected() && x.wantConnect && !connOv.containsKey(node);
    }

    NodeView view(EmuState s, String node) {
        EmuState.Node x = s.node(node);
        if (!x.up) return NodeView.ABSENT;
        EmuState.Node p = s.node(peerName(node));
        String dOv = diskOv.get(node);
        String disk = dOv != null ? dOv : x.disk;
        long size = dOv != null && (dOv.equals("Diskless") || dOv.equals("Attaching")) && !x.loop.isEmpty() && diskOv.containsKey("#zero-" + node)
                ? 0 : sizeKiB(x.file);
        String cOv = connOv.get(node);
        boolean conn = cOv != null ? !cOv.equals("-") : x.wantConnect;
        boolean linked = linked(s, node);
        String cstate = cOv != null ? cOv : (s.connected() ? "Connected" : "Connecting");
        String replication = !linked ? "Off"
                : s.syncing() ? (s.syncSource.equals(node) ? "SyncSource" : "SyncTarget") : "Established";
        String peerDisk = linked ? p.disk : x.peerDiskKnown.isEmpty() ? "DUnknown" : x.peerDiskKnown;
        return new NodeView(true, x.role, x.suspended, true, disk, size, conn, cstate, linked ? p.role : "Unknown",
                conn, replication, peerDisk, linked && s.syncing() ? s.syncTotalKiB : 0);
    }

    interface Mutation {
        void apply() throws IOException;
    }

    /** Applies m and logs, for every node, the events2 lines that take its view from before to after. */
    void step(EmuState s, Mutation m) throws IOException {
        Map<String, NodeView> before = new HashMap<>();
        for (DrbdResourceConf.Host h : conf.hosts()) before.put(h.name(), view(s, h.name()));
        m.apply();
        String ts = TS.format(Instant.now());
        for (DrbdResourceConf.Host h : conf.hosts()) {
            if (silent.contains(h.name())) continue;
            List<String> lines = new ArrayList<>();
            for (NodeView.Line l : NodeView.diff(before.get(h.name()), view(s, h.name()), ids(h.name()))) {
                lines.add(ts + "\t" + l.full() + "\t" + l.brief());
            }
            store.append(h.name(), lines);
        }
    }

    /** A per-volume helper line (split-brain, before/after-resync-*, pri-on-incon-degr). */
    private void helper(EmuState s, String node, String verb, String helper, String extra) throws IOException {
        NodeView.Ids id = ids(node);
        String line = verb + " helper " + id.conn() + " volume:0 minor:" + id.minor() + " helper:" + helper + extra;
        store.append(node, List.of(TS.format(Instant.now()) + "\t" + line + "\t" + line));
    }

    /**
     * A per-connection helper line (fence-peer, unfence-peer); without a connection object (StandAlone)
     * DRBD leaves out the connection's name, as recorded.
     */
    void connHelper(EmuState s, String node, String verb, String helper, String extra) throws IOException {
        NodeView.Ids id = ids(node);
        String who = view(s, node).conn() ? id.conn() : id.res() + " peer-node-id:" + id.peerNodeId();
        String line = verb + " helper " + who + " helper:" + helper + extra;
        store.append(node, List.of(TS.format(Instant.now()) + "\t" + line + "\t" + line));
    }

    // ---------------------------------------------------------------- fencing

    private final List<Long> toSpawn = new ArrayList<>();

    /** Runs tx under the resource's lock, then starts the workers of the handler jobs it queued. */
    <T> T tx(EmuStore.Transaction<T> t) throws IOException {
        T result = store.locked(t);
        List<Long> tokens = new ArrayList<>(toSpawn);
        toSpawn.clear();
        for (long token : tokens) HelperWorker.spawn(env, conf.name(), token);
        return result;
    }

    private long queueJob(EmuState s, String node, String helper) {
        EmuState.Job j = new EmuState.Job();
        j.token = s.nextToken++;
        j.node = node;
        j.helper = helper;
        j.incarnation = s.node(node).incarnation;
        s.jobs.add(j);
        toSpawn.add(j.token);
        return j.token;
    }

    /** The fence-peer handler of node runs (in a worker) while its I/O stays frozen. */
    private void queueFence(EmuState s, String node) {
        s.node(node).fenceToken = queueJob(s, node, "fence-peer");
    }

    /** Freezes a Primary's I/O as `fencing resource-and-stonith` does: writers on its filesystem block. */
    private void freezeIo(EmuState.Node x) throws IOException {
        if (!x.frozenMount.isEmpty() || x.loop.isEmpty()) return;
        Optional<String> mp = LoopDevices.mountPoint(x.loop);
        if (mp.isPresent()) {
            FsIoctl.freeze(mp.get());
            x.frozenMount = mp.get();
        }
    }

    private void thawIo(EmuState.Node x) throws IOException {
        if (x.frozenMount.isEmpty()) return;
        try {
            FsIoctl.thaw(x.frozenMount);
        } finally {
            x.frozenMount = "";
        }
    }

    /** I/O flows again: with a disk, the held writes are written and make a new data generation. */
    private void resumeIo(EmuState s, String node) throws IOException {
        EmuState.Node x = s.node(node);
        x.fenceToken = 0;
        if (!x.suspended.equals("no")) {
            if (!x.disk.equals("Diskless")) x.diverged = true;
            step(s, () -> x.suspended = "no");
        }
        thawIo(x);
    }

    /** A handler to run outside the lock: its command line and the environment DRBD gives it. */
    record HandlerCall(String node, String helper, Optional<String> command, Map<String, String> env, long token) {
    }

    HandlerCall handlerCall(String node, String helper, boolean perVolume, long token) {
        DrbdResourceConf.Host h = host(node), p = conf.peerOf(node).orElse(h);
        Map<String, String> e = new HashMap<>();
        e.put("DRBD_RESOURCE", conf.name());
        e.put("DRBD_PEER", p.name());
        e.put("DRBD_PEERS", p.name());
        String addr = p.address().contains(" ") ? p.address().substring(p.address().lastIndexOf(' ') + 1) : p.address();
        int colon = addr.lastIndexOf(':');
        e.put("DRBD_PEER_ADDRESS", colon > 0 ? addr.substring(0, colon) : addr);
        e.put("DRBD_PEER_AF", p.address().startsWith("ipv6") || addr.startsWith("[") ? "ipv6" : "ipv4");
        e.put("DRBD_MINOR", Integer.toString(h.minor()));
        e.put("DRBD_CONF", env.conf().toString());
        e.put("DRBD_DONT_WARN_ON_VERSION_MISMATCH", "1");
        // the emulator's own: a handler that calls drbdadm then acts as the node that runs it
        e.put("HADB_EMU_NODE", node);
        if (env.kernel9()) e.put("DRBD_PEER_NODE_ID", Integer.toString(conf.nodeId(p.name())));
        if (perVolume) {
            e.put("DRBD_VOLUME", "0");
            e.put("DRBD_LL_DISK", h.disk());
        }
        return new HandlerCall(node, helper, conf.handler(helper), e, token);
    }

    /**
     * Runs a handler as drbdadm does (`sh -c`), with `cmd-timeout-long` if set; returns the raw wait
     * status DRBD prints in `response helper`: exit code × 256, or the signal that killed it.
     */
    int runHandler(HandlerCall call) {
        if (call.command().isEmpty()) return 0;
        java.time.Duration timeout = conf.cmdTimeoutLong().orElse(java.time.Duration.ofSeconds(600));
        try {
            io.hadb.agent.exec.CommandResult r = new io.hadb.agent.exec.CommandRunner()
                    .run(timeout, List.of("sh", "-c", call.command().get()), call.env(), null);
            return (r.exitCode() & 0xff) << 8;
        } catch (io.hadb.agent.exec.CommandTimeoutException e) {
            return 9; // killed
        } catch (IOException e) {
            return 127 << 8;
        }
    }

    /**
     * DRBD's reading of a fence-peer answer: 3 peer Inconsistent, 4 peer Outdated, 5 peer unreachable
     * (taken as Outdated only when the local disk is UpToDate), 6 outdate myself, 7 peer fenced;
     * anything else is a broken handler. Returns true when the peer now counts as Outdated or worse.
     */
    private boolean applyFenceAnswer(EmuState s, String node, int status) throws IOException {
        EmuState.Node x = s.node(node);
        int code = (status & 0xff) == 0 ? status >> 8 : -1;
        String peerDisk = switch (code) {
            case 3 -> "Inconsistent";
            case 4, 7 -> "Outdated";
            case 5 -> x.disk.equals("UpToDate") ? "Outdated" : null;
            default -> null;
        };
        if (code == 6 && x.role.equals("Secondary") && (x.disk.equals("UpToDate") || x.disk.equals("Consistent"))) {
            step(s, () -> x.disk = "Outdated");
        }
        if (peerDisk == null) return false;
        step(s, () -> x.peerDiskKnown = peerDisk);
        return true;
    }

    /** Worker, part 1 (locked): the job is still wanted; prints `call helper` and says what to run. */
    HandlerCall startJob(EmuState s, long token, long pid) throws IOException {
        EmuState.Job j = s.job(token);
        if (j == null) return null;
        EmuState.Node x = s.node(j.node);
        if (!x.up || x.incarnation != j.incarnation || (j.helper.equals("fence-peer") && x.fenceToken != token)) {
            s.jobs.remove(j);
            return null;
        }
        j.pid = pid;
        boolean perVolume = j.helper.equals("after-resync-target");
        if (perVolume) helper(s, j.node, "call", j.helper, "");
        else connHelper(s, j.node, "call", j.helper, "");
        return handlerCall(j.node, j.helper, perVolume, token);
    }

    /** Worker, part 2 (locked): prints `response helper` and applies the answer if it still matters. */
    void finishJob(EmuState s, long token, int status) throws IOException {
        EmuState.Job j = s.job(token);
        if (j == null) return;
        s.jobs.remove(j);
        EmuState.Node x = s.node(j.node);
        if (!x.up || x.incarnation != j.incarnation) return;
        switch (j.helper) {
            case "fence-peer" -> {
                connHelper(s, j.node, "response", j.helper, " status:" + status);
                if (x.fenceToken != token) return;
                x.fenceToken = 0;
                if (applyFenceAnswer(s, j.node, status)) {
                    resumeIo(s, j.node);
                } else {
                    // a broken answer leaves I/O frozen until resume-io, a reconnect or a reboot
                }
            }
            case "after-resync-target" -> {
                helper(s, j.node, "response", j.helper, " status:" + status);
                if (s.syncEnding) finishResync(s);
            }
            default -> connHelper(s, j.node, "response", j.helper, " status:" + status);
        }
    }

    /** Stops the workers this state knows (cleanup): only the processes the emulator started. */
    static void killWorkers(EmuState s) {
        for (EmuState.Job j : s.jobs) {
            if (j.pid > 0) ProcessHandle.of(j.pid).ifPresent(ph -> {
                ph.descendants().forEach(ProcessHandle::destroyForcibly);
                ph.destroyForcibly();
            });
        }
        s.jobs.clear();
    }

    static long sizeKiB(String file) {
        try {
            return file.isEmpty() ? 0 : Files.size(Path.of(file)) / 1024;
        } catch (IOException e) {
            return 0;
        }
    }

    // ---------------------------------------------------------------- messages

    private EmuResult stateChangeFailed(String cmd, boolean force, int code, String text, int exit) {
        String obj = env.kernel9() ? conf.name() : Integer.toString(host(me()).minor());
        String tool = env.kernel9() ? "drbdsetup " + cmd + " " + conf.name() : "drbdsetup-84 " + cmd + " " + obj;
        return EmuResult.fail(exit, obj + ": State change failed: (" + code + ") " + text + "\nCommand '" + tool
                + (force ? " --force" : "") + "' terminated with exit code " + exit);
    }

    EmuResult notUp(String cmd) {
        if (env.kernel9() || cmd.equals("status")) {
            String tool = env.kernel9() ? "drbdsetup " : "drbdsetup-84 ";
            return EmuResult.fail(10, conf.name() + ": No such resource\nCommand '" + tool + cmd + " " + conf.name()
                    + "' terminated with exit code 10");
        }
        int minor = host(me()).minor();
        return EmuResult.fail(10, minor + ": Failure: (127) Device minor not allocated\nadditional info from kernel:\n"
                + "unknown minor\nCommand 'drbdsetup-84 " + cmd + " " + minor + "' terminated with exit code 10");
    }

    // ---------------------------------------------------------------- time

    /** Ends a resync whose time is up. Called by every command and by every events2 stream's poll. */
    void tick(EmuState s) throws IOException {
        if (!s.syncing() || s.syncEnding || System.currentTimeMillis() < s.syncEndMs) return;
        if (conf.handler("after-resync-target").isPresent()) {
            // DRBD waits for the SyncTarget's handler before it calls the disk UpToDate
            s.syncEnding = true;
            queueJob(s, s.syncTarget, "after-resync-target");
            return;
        }
        helper(s, s.syncTarget, "call", "after-resync-target", "");
        helper(s, s.syncTarget, "response", "after-resync-target", " status:0");
        finishResync(s);
    }

    /** The resync is over: both UpToDate; with fencing the SyncSource calls unfence-peer. */
    private void finishResync(EmuState s) throws IOException {
        String source = s.syncSource;
        step(s, () -> {
            s.node(s.syncTarget).disk = "UpToDate";
            EmuState.Node src = s.node(s.syncSource);
            if (!src.disk.equals("Diskless")) src.disk = "UpToDate";
            s.syncSource = "";
            s.syncTarget = "";
            s.syncTotalKiB = 0;
            s.syncEnding = false;
        });
        if (!conf.fencingEnabled() || source.isEmpty()) return;
        if (conf.handler("unfence-peer").isPresent()) {
            queueJob(s, source, "unfence-peer");
        } else {
            connHelper(s, source, "call", "unfence-peer", "");
            connHelper(s, source, "response", "unfence-peer", " status:0");
        }
    }

    double syncDone(EmuState s) {
        long span = Math.max(1, s.syncEndMs - s.syncStartMs);
        return Math.min(99.99, Math.max(0, 100.0 * (System.currentTimeMillis() - s.syncStartMs) / span));
    }

    // ---------------------------------------------------------------- admin commands

    EmuResult up(EmuState s) throws IOException {
        EmuState.Node x = s.node(me());
        DrbdResourceConf.Host h = host(me());
        if (x.up) {
            String tool = env.kernel9() ? "drbdsetup new-minor " : "drbdsetup-84 new-minor ";
            return EmuResult.fail(10, h.minor() + ": Failure: (161) Minor or volume exists already (delete it first)\n"
                    + "Command '" + tool + conf.name() + " " + h.minor() + " 0' terminated with exit code 10");
        }
        if (!x.loop.isEmpty()) {
            // left behind by node-down, like a crashed machine's mounts; a rebooted machine has none
            if (LoopDevices.heldOpen(x.loop)) {
                return EmuResult.fail(20, "emulator: " + me() + "'s device " + x.loop + " is still held open from before"
                        + " node-down; unmount it and stop its users first");
            }
            loops.detach(x.loop);
            x.loop = "";
        }
        if (x.file.isEmpty()) x.file = h.disk();
        if (!Files.isRegularFile(Path.of(x.file))) {
            String tool = env.kernel9() ? "drbdsetup attach " : "drbdsetup-84 attach ";
            return EmuResult.fail(10, h.minor() + ": Failure: (104) Can not open backing device.\nCommand '" + tool
                    + h.minor() + " " + h.disk() + " " + h.disk() + " internal' terminated with exit code 10");
        }
        x.frozenMount = "";
        x.suspended = "no";
        x.fenceToken = 0;
        x.peerDiskKnown = "";
        x.loop = loops.attach(x.file);
        loops.setReadOnly(x.loop, true);
        LoopDevices.link(h.device(), x.loop);
        // without its peer a node cannot know its data is the latest
        if (x.disk.equals("UpToDate")) x.disk = "Consistent";
        if (x.disk.equals("Diskless")) x.disk = "Inconsistent";
        x.role = "Secondary";
        String disk = x.disk;
        connOv.put(me(), "-");
        diskOv.put(me(), "Diskless");
        diskOv.put("#zero-" + me(), "");
        step(s, () -> x.up = true);
        step(s, () -> diskOv.put(me(), "Attaching"));
        step(s, () -> {
            diskOv.remove(me());
            diskOv.remove("#zero-" + me());
            x.disk = disk;
        });
        return connectSteps(s);
    }

    private EmuResult connectSteps(EmuState s) throws IOException {
        EmuState.Node x = s.node(me());
        step(s, () -> {
            x.wantConnect = true;
            connOv.put(me(), "StandAlone");
        });
        step(s, () -> connOv.put(me(), "Unconnected"));
        step(s, () -> connOv.remove(me()));
        settle(s);
        return EmuResult.OK;
    }

    EmuResult down(EmuState s) throws IOException {
        EmuState.Node x = s.node(me());
        if (!x.up) return EmuResult.OK;
        if (x.role.equals("Primary") && LoopDevices.heldOpen(x.loop)) {
            return stateChangeFailed("down", false, -12, "Device is held open by someone", 11);
        }
        if (linked(s, me())) {
            loseConnection(s, me(), "TearDown", null);
        } else if (x.wantConnect) {
            step(s, () -> x.wantConnect = false);
        }
        if (x.role.equals("Primary")) step(s, () -> x.role = "Secondary");
        step(s, () -> diskOv.put(me(), "Failed"));
        step(s, () -> diskOv.put(me(), "Diskless"));
        step(s, () -> {
            diskOv.remove(me());
            x.up = false;
        });
        loops.detach(x.loop);
        x.loop = "";
        LoopDevices.unlink(host(me()).device());
        return EmuResult.OK;
    }

    /** A promotion that first needs the fence-peer handler's answer (run outside the lock). */
    record PendingPrimary(HandlerCall call) {
    }

    /**
     * `primary`, part 1: with fencing and the peer unknown (not connected, its disk DUnknown), DRBD
     * runs fence-peer inside the promotion: the `call helper` line is printed and the caller runs
     * the handler, then calls {@link #primaryAfterFence}. Otherwise an EmuResult.
     */
    Object primaryPrepare(EmuState s, boolean force) throws IOException {
        EmuState.Node x = s.node(me());
        if (x.up && !x.role.equals("Primary") && conf.fencingEnabled() && !linked(s, me()) && x.peerDiskKnown.isEmpty()
                && !x.disk.equals("Diskless")) {
            connHelper(s, me(), "call", "fence-peer", "");
            return new PendingPrimary(handlerCall(me(), "fence-peer", false, 0));
        }
        return primary(s, force);
    }

    /** `primary`, part 2: the handler answered with status; promote if the peer now counts as outdated. */
    EmuResult primaryAfterFence(EmuState s, boolean force, int status) throws IOException {
        EmuState.Node x = s.node(me());
        if (x.up) connHelper(s, me(), "response", "fence-peer", " status:" + status);
        if (!x.up || x.role.equals("Primary") || linked(s, me())) return primary(s, force);
        if (applyFenceAnswer(s, me(), status) || force) return primary(s, force);
        if (!x.disk.equals("UpToDate")) return primary(s, force); // outdated itself (6): no UpToDate data
        return stateChangeFailed("primary", false, -7, "Refusing to be Primary while peer is not outdated", 11);
    }

    EmuResult primary(EmuState s, boolean force) throws IOException {
        EmuState.Node x = s.node(me());
        if (!x.up) return notUp("primary");
        if (x.role.equals("Primary")) return EmuResult.OK;
        String peer = peerName(me());
        EmuState.Node p = s.node(peer);
        boolean linked = linked(s, me());
        if (linked && p.role.equals("Primary")) {
            return stateChangeFailed("primary", force, -1, "Multiple primaries not allowed by config", 11);
        }
        boolean goodData = x.disk.equals("UpToDate") || (linked && p.disk.equals("UpToDate"));
        boolean canForce = force && !x.disk.equals("Diskless") && !x.disk.equals("Failed");
        if (!goodData && !canForce) {
            return stateChangeFailed("primary", force, -2, "Need access to UpToDate data", 17);
        }
        loops.flushBuffers(x.loop);
        loops.setReadOnly(x.loop, false);
        boolean upgrade = !goodData;
        step(s, () -> {
            x.role = "Primary";
            if (upgrade) x.disk = "UpToDate";
            if (!linked) x.diverged = true;
        });
        if (upgrade && linked && !p.disk.equals("UpToDate")) startSync(s, me(), peer, true);
        return EmuResult.OK;
    }

    EmuResult secondary(EmuState s, boolean force) throws IOException {
        EmuState.Node x = s.node(me());
        if (!x.up) return notUp("secondary");
        if (x.role.equals("Secondary")) return EmuResult.OK;
        if (LoopDevices.heldOpen(x.loop)) {
            if (!force) return stateChangeFailed("secondary", false, -12, "Device is held open by someone", 11);
            // --force: holders get I/O errors and let go, as DRBD 9 does
            Optional<String> mp = LoopDevices.mountPoint(x.loop);
            if (mp.isPresent()) FsIoctl.shutdown(mp.get());
        }
        step(s, () -> x.role = "Secondary");
        loops.setReadOnly(x.loop, true);
        return EmuResult.OK;
    }

    EmuResult outdate(EmuState s) throws IOException {
        EmuState.Node x = s.node(me());
        if (!x.up) {
            // works on the metadata of a resource that is down
            if (x.disk.equals("UpToDate") || x.disk.equals("Consistent")) x.disk = "Outdated";
            return EmuResult.OK;
        }
        if (x.role.equals("Primary")) return new EmuResult(17, "", ""); // real drbdadm prints nothing here
        if (linked(s, me())) {
            return stateChangeFailed("outdate", false, -15, "Refusing to be Outdated while Connected", 11);
        }
        if (x.disk.equals("UpToDate") || x.disk.equals("Consistent")) step(s, () -> x.disk = "Outdated");
        return EmuResult.OK;
    }

    EmuResult connect(EmuState s, boolean discardMyData) throws IOException {
        EmuState.Node x = s.node(me());
        if (!x.up) return notUp("connect");
        if (discardMyData) x.diverged = false;
        if (x.wantConnect) return EmuResult.OK;
        return connectSteps(s);
    }

    EmuResult disconnect(EmuState s, boolean force) throws IOException {
        EmuState.Node x = s.node(me());
        if (!x.up || !x.wantConnect) {
            String peerAddr = conf.peerOf(me()).map(DrbdResourceConf.Host::address).orElse("");
            String tool = env.kernel9() ? "drbdsetup disconnect " + conf.name() + " " + conf.nodeId(peerName(me()))
                    : "drbdsetup-84 disconnect ipv4:" + host(me()).address() + " ipv4:" + peerAddr;
            return EmuResult.fail(10, "??: Failure: (162) Invalid configuration request\nadditional info from kernel:\n"
                    + "unknown connection\nCommand '" + tool + (force ? " --force" : "") + "' terminated with exit code 10");
        }
        if (linked(s, me())) {
            loseConnection(s, me(), "TearDown", null);
        } else {
            step(s, () -> connOv.put(me(), "Disconnecting"));
            step(s, () -> connOv.put(me(), "StandAlone"));
            step(s, () -> {
                connOv.remove(me());
                x.wantConnect = false;
            });
        }
        return EmuResult.OK;
    }

    EmuResult adjust(EmuState s) throws IOException {
        EmuState.Node x = s.node(me());
        if (!x.up) return up(s);
        if (x.disk.equals("Diskless")) attach(s);
        if (!x.wantConnect) return connectSteps(s);
        return EmuResult.OK;
    }

    EmuResult detach(EmuState s, boolean force) throws IOException {
        EmuState.Node x = s.node(me());
        if (!x.up) return notUp("detach");
        if (x.disk.equals("Diskless")) return EmuResult.OK;
        boolean linked = linked(s, me());
        if (!force && x.role.equals("Primary") && !(linked && s.node(peerName(me())).disk.equals("UpToDate"))) {
            return stateChangeFailed("detach", false, -2, "Need access to UpToDate data", 17);
        }
        loseDisk(s, force ? "Failed" : "Detaching");
        return EmuResult.OK;
    }

    /** The disk goes (detach, or an emulated disk failure): Diskless; writers without a peer get EIO. */
    void loseDisk(EmuState s, String transient_) throws IOException {
        EmuState.Node x = s.node(me());
        x.diskBeforeDetach = x.disk;
        step(s, () -> diskOv.put(me(), transient_));
        if (x.role.equals("Primary") && !linked(s, me())) {
            // a Primary without a disk and without a peer has no data at all
            helper(s, me(), "call", "pri-on-incon-degr", "");
            helper(s, me(), "response", "pri-on-incon-degr", " status:0");
        }
        step(s, () -> {
            diskOv.remove(me());
            x.disk = "Diskless";
        });
        if (!linked(s, me())) {
            Optional<String> mp = LoopDevices.mountPoint(x.loop);
            if (mp.isPresent()) FsIoctl.shutdown(mp.get());
        }
    }

    EmuResult attach(EmuState s) throws IOException {
        EmuState.Node x = s.node(me());
        if (!x.up) return notUp("attach");
        if (!x.disk.equals("Diskless")) return EmuResult.OK;
        // the metadata still knows the data it had: UpToDate comes back as Consistent, as after `up`
        String had = x.diskBeforeDetach;
        String disk = had.equals("UpToDate") || had.equals("Consistent") ? "Consistent" : had.equals("Outdated") ? had : "Inconsistent";
        step(s, () -> diskOv.put(me(), "Attaching"));
        step(s, () -> {
            diskOv.remove(me());
            x.disk = disk;
        });
        String peer = peerName(me());
        if (linked(s, me()) && s.node(peer).disk.equals("UpToDate")) startSync(s, peer, me(), true);
        return EmuResult.OK;
    }

    /** `resume-io`: thaws a fenced Primary; a Diskless one's held writes fail (its filesystem was shut down). */
    EmuResult resumeIo(EmuState s) throws IOException {
        EmuState.Node x = s.node(me());
        if (!x.up) return notUp("resume-io");
        if (x.disk.equals("Diskless") && !x.frozenMount.isEmpty()) FsIoctl.shutdown(x.frozenMount);
        resumeIo(s, me());
        return EmuResult.OK;
    }

    // ---------------------------------------------------------------- faults

    EmuResult cutLink(EmuState s) throws IOException {
        s.linkCut = true;
        if (s.connected()) loseConnection(s, null, "NetworkFailure", null);
        return EmuResult.OK;
    }

    EmuResult restoreLink(EmuState s) throws IOException {
        s.linkCut = false;
        settle(s);
        return EmuResult.OK;
    }

    EmuResult failDisk(EmuState s) throws IOException {
        EmuState.Node x = s.node(me());
        if (!x.up) return EmuResult.fail(20, "emulator: " + conf.name() + " is not up on " + me());
        if (!x.disk.equals("Diskless")) loseDisk(s, "Failed");
        return EmuResult.OK;
    }

    /** The node's kernel vanishes: its peer sees the connection fail; its own streams end. */
    EmuResult nodeDown(EmuState s) throws IOException {
        EmuState.Node x = s.node(me());
        if (!x.up) return EmuResult.OK;
        silent.add(me());
        if (s.connected() && x.wantConnect) loseConnection(s, null, "NetworkFailure", me());
        if (!x.frozenMount.isEmpty()) {
            // a crashed machine never completes its held writes: they fail once the test thaws the mount
            FsIoctl.shutdown(x.frozenMount);
        }
        step(s, () -> {
            x.up = false;
            x.wantConnect = false;
            x.role = "Secondary";
            x.suspended = "no";
            x.fenceToken = 0;
            x.peerDiskKnown = "";
        });
        x.incarnation++;
        silent.remove(me());
        return EmuResult.OK;
    }

    // ---------------------------------------------------------------- connection life

    /**
     * The link goes: initiator (null for a fault) shows Disconnecting then StandAlone; the other
     * side shows `otherState` (TearDown, NetworkFailure) then keeps trying. dead, if any, is a
     * node whose kernel vanished: no lines for it, and it does not diverge.
     */
    private void loseConnection(EmuState s, String initiator, String otherState, String dead) throws IOException {
        List<String> live = new ArrayList<>();
        for (DrbdResourceConf.Host h : conf.hosts()) if (s.node(h.name()).up && !h.name().equals(dead)) live.add(h.name());
        // a Primary that loses its peer by a fault asks fence-peer; resource-and-stonith freezes its I/O meanwhile
        List<String> fencing = new ArrayList<>();
        for (String n : live) {
            EmuState.Node x = s.node(n);
            if (conf.fencingEnabled() && otherState.equals("NetworkFailure") && !n.equals(initiator)
                    && x.role.equals("Primary") && !x.disk.equals("Diskless")) fencing.add(n);
        }
        boolean freeze = conf.fencing().equals("resource-and-stonith");
        step(s, () -> {
            s.connectedFlag = false;
            s.syncSource = "";
            s.syncTarget = "";
            s.syncTotalKiB = 0;
            s.syncEnding = false;
            for (String n : live) connOv.put(n, n.equals(initiator) ? "Disconnecting" : otherState);
            if (freeze) for (String n : fencing) s.node(n).suspended = "fencing";
        });
        for (String n : live) {
            // frozen I/O writes nothing: the new data generation starts only when it resumes; a Diskless Primary
            // has no data of its own to diverge (its disk, attached again later, still holds the old generation)
            if (s.node(n).role.equals("Primary") && !(freeze && fencing.contains(n)) && !s.node(n).disk.equals("Diskless"))
                s.node(n).diverged = true;
        }
        if (freeze) for (String n : fencing) freezeIo(s.node(n));
        fork(s, initiator, dead);
        for (String n : live) {
            // a Diskless node served its I/O through the peer: without it, writers get EIO
            EmuState.Node x = s.node(n);
            if (x.disk.equals("Diskless") && !x.loop.isEmpty()) {
                Optional<String> mp = LoopDevices.mountPoint(x.loop);
                if (mp.isPresent()) FsIoctl.shutdown(mp.get());
            }
        }
        step(s, () -> {
            for (String n : live) connOv.put(n, n.equals(initiator) ? "StandAlone" : "Unconnected");
        });
        step(s, () -> {
            for (String n : live) {
                connOv.remove(n);
                if (n.equals(initiator)) s.node(n).wantConnect = false;
            }
        });
        for (String n : fencing) queueFence(s, n);
    }

    /** Connects the pair if both want it and the link is there. */
    void settle(EmuState s) throws IOException {
        if (s.connected() || s.linkCut || conf.hosts().size() < 2) return;
        String a = conf.hosts().get(0).name(), b = conf.hosts().get(1).name();
        EmuState.Node na = s.node(a), nb = s.node(b);
        if (!(na.up && nb.up && na.wantConnect && nb.wantConnect)) return;
        step(s, () -> {
            s.connectedFlag = true;
            connOv.put(a, "Connected");
            connOv.put(b, "Connected");
        });
        if (na.diverged && nb.diverged) {
            for (String n : List.of(a, b)) {
                helper(s, n, "call", "initial-split-brain", "");
                helper(s, n, "response", "initial-split-brain", " status:0");
                helper(s, n, "call", "split-brain", "");
                helper(s, n, "response", "split-brain", " status:0");
            }
            s.splitBrain = true;
            standAloneBoth(s, a, b);
            return;
        }
        na.peerDiskKnown = "";
        nb.peerDiskKnown = "";
        String source = null, target = null;
        if (na.diverged != nb.diverged) {
            source = na.diverged ? a : b;
        } else if (!na.file.equals(nb.file)) {
            int ra = rank(na.disk), rb = rank(nb.disk);
            if (ra != rb) source = ra > rb ? a : b;
            else if (ra >= rank("Consistent")) {
                // same generation on both sides (neither wrote): the Secondary simply maps the other's image again
                String follower = na.role.equals("Primary") ? b : nb.role.equals("Primary") ? a : b;
                rebind(s, follower, s.node(follower.equals(a) ? b : a).file);
            }
        }
        if (source != null) {
            target = source.equals(a) ? b : a;
            if (s.node(target).role.equals("Primary")) {
                // "I shall become SyncTarget, but I am primary!": both give up, as DRBD does; a frozen
                // Primary asks its fence-peer handler again
                standAloneBoth(s, a, b);
                if (!s.node(target).suspended.equals("no")) queueFence(s, target);
                return;
            }
        }
        // connected again with nothing to resolve against a frozen Primary: its I/O resumes
        for (String n : List.of(a, b)) {
            EmuState.Node x = s.node(n);
            if (!x.suspended.equals("no")) {
                x.fenceToken = 0;
                step(s, () -> x.suspended = "no");
                thawIo(x);
            }
        }
        na.diverged = false;
        nb.diverged = false;
        s.splitBrain = false;
        if (source == null) {
            boolean sameData = na.file.equals(nb.file);
            step(s, () -> {
                connOv.remove(a);
                connOv.remove(b);
                if (sameData && rank(na.disk) >= rank("Outdated") && rank(nb.disk) >= rank("Outdated")
                        && (na.disk.equals("UpToDate") || nb.disk.equals("UpToDate"))) {
                    na.disk = "UpToDate";
                    nb.disk = "UpToDate";
                }
            });
            return;
        }
        step(s, () -> {
            connOv.remove(a);
            connOv.remove(b);
        });
        startSync(s, source, target, false);
    }

    private void standAloneBoth(EmuState s, String a, String b) throws IOException {
        step(s, () -> {
            connOv.put(a, "Disconnecting");
            connOv.put(b, "Disconnecting");
        });
        step(s, () -> {
            connOv.put(a, "StandAlone");
            connOv.put(b, "StandAlone");
        });
        step(s, () -> {
            connOv.remove(a);
            connOv.remove(b);
            s.node(a).wantConnect = false;
            s.node(b).wantConnect = false;
            s.connectedFlag = false;
        });
    }

    private static int rank(String disk) {
        return switch (disk) {
            case "UpToDate" -> 4;
            case "Consistent" -> 3;
            case "Outdated" -> 2;
            case "Inconsistent" -> 1;
            default -> 0;
        };
    }

    /** Resync: target maps source's image from now on and shows SyncTarget until the time is up. */
    private void startSync(EmuState s, String source, String target, boolean full) throws IOException {
        EmuState.Node src = s.node(source), tgt = s.node(target);
        long total = full ? sizeKiB(src.file) : differingKiB(src, tgt);
        if (!tgt.file.equals(src.file)) rebind(s, target, src.file);
        helper(s, source, "call", "before-resync-source", "");
        helper(s, source, "response", "before-resync-source", " status:0");
        helper(s, target, "call", "before-resync-target", "");
        helper(s, target, "response", "before-resync-target", " status:0");
        step(s, () -> {
            tgt.disk = "Inconsistent";
            s.syncSource = source;
            s.syncTarget = target;
            s.syncTotalKiB = Math.max(4, total);
            s.syncStartMs = System.currentTimeMillis();
            s.syncEndMs = s.syncStartMs + env.syncMillis();
        });
    }

    private long differingKiB(EmuState.Node a, EmuState.Node b) throws IOException {
        if (a.file.equals(b.file)) return 0;
        flushQuietly(a.loop);
        long diff = 0;
        try (InputStream x = Files.newInputStream(Path.of(a.file)); InputStream y = Files.newInputStream(Path.of(b.file))) {
            byte[] bx = new byte[4096], by = new byte[4096];
            while (true) {
                int nx = x.readNBytes(bx, 0, 4096), ny = y.readNBytes(by, 0, 4096);
                if (nx == 0 && ny == 0) break;
                if (nx != ny || !java.util.Arrays.equals(bx, 0, nx, by, 0, ny)) diff += 4;
            }
        }
        return diff;
    }

    private void flushQuietly(String loop) {
        if (loop.isEmpty()) return;
        try {
            loops.flushBuffers(loop);
        } catch (IOException ignored) {
            // a loop held by a frozen or dead filesystem may refuse; the copy is still what reached the image
        }
    }

    /**
     * After the link went: if both nodes map one image, one of them (the Secondary, even when
     * the Primary is the one that died; of two Secondaries a dead one, else the initiator, else
     * the second node) gets a copy of its own.
     */
    private void fork(EmuState s, String initiator, String dead) throws IOException {
        String a = conf.hosts().get(0).name(), b = conf.hosts().get(1).name();
        EmuState.Node na = s.node(a), nb = s.node(b);
        if (na.file.isEmpty() || !na.file.equals(nb.file)) return;
        String forker;
        if (na.role.equals("Primary")) forker = b;
        else if (nb.role.equals("Primary")) forker = a;
        else if (dead != null) forker = dead;
        else if (initiator != null) forker = initiator;
        else forker = b;
        String other = forker.equals(a) ? b : a;
        EmuState.Node f = s.node(forker), o = s.node(other);
        String target = freeFile(s, forker, o.file);
        // a fenced Primary is already frozen (and stays so); otherwise freeze just for the copy
        Optional<String> mp = o.loop.isEmpty() || !o.frozenMount.isEmpty() ? Optional.empty() : LoopDevices.mountPoint(o.loop);
        if (mp.isPresent()) {
            o.frozenMount = mp.get();
            FsIoctl.freeze(mp.get());
        } else if (o.frozenMount.isEmpty()) {
            flushQuietly(o.loop);
        }
        try {
            Files.copy(Path.of(o.file), Path.of(target), StandardCopyOption.REPLACE_EXISTING);
        } finally {
            if (mp.isPresent()) {
                FsIoctl.thaw(mp.get());
                o.frozenMount = "";
            }
        }
        if (f.up) {
            rebind(s, forker, target);
        } else {
            f.file = target;
            if (!f.loop.isEmpty() && !LoopDevices.heldOpen(f.loop)) {
                loops.detach(f.loop);
                f.loop = "";
                LoopDevices.unlink(host(forker).device());
            }
        }
    }

    private String freeFile(EmuState s, String node, String inUse) throws IOException {
        String home = host(node).disk();
        if (!home.equals(inUse)) return home;
        String alt = store.resDir().resolve(node + ".alt.img").toString();
        if (!s.createdFiles.contains(alt)) s.createdFiles.add(alt);
        return alt;
    }

    /** Points node's loop device (and its device symlink) at another image; the node must not be mounted. */
    private void rebind(EmuState s, String node, String file) throws IOException {
        EmuState.Node x = s.node(node);
        x.file = file;
        if (x.loop.isEmpty()) return;
        if (LoopDevices.mountPoint(x.loop).isPresent()) {
            throw new IOException("emulator: cannot rebind " + node + "'s " + x.loop + ": it is mounted");
        }
        loops.detach(x.loop);
        x.loop = loops.attach(file);
        loops.setReadOnly(x.loop, !x.role.equals("Primary"));
        LoopDevices.link(host(node).device(), x.loop);
    }

    /** Removes every loop device, symlink and file the emulator made for this resource. */
    void cleanup(EmuState s) throws IOException {
        killWorkers(s);
        for (DrbdResourceConf.Host h : conf.hosts()) {
            EmuState.Node x = s.node(h.name());
            if (!x.frozenMount.isEmpty()) {
                try {
                    FsIoctl.thaw(x.frozenMount);
                } catch (IOException ignored) {
                    // not frozen any more
                }
                x.frozenMount = "";
            }
            if (!x.loop.isEmpty()) {
                Optional<String> mp = LoopDevices.mountPoint(x.loop);
                if (mp.isPresent()) {
                    new io.hadb.agent.exec.CommandRunner().run(java.time.Duration.ofSeconds(20), List.of("umount", mp.get()));
                }
                loops.detach(x.loop);
                x.loop = "";
            }
            LoopDevices.unlink(h.device());
            x.up = false;
            x.wantConnect = false;
        }
        for (String f : s.createdFiles) Files.deleteIfExists(Path.of(f));
        s.createdFiles.clear();
        s.connectedFlag = false;
    }
}
