package io.hadb.testbed.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Samples, every 10 ms on its own thread, what an isolation must order: both TCP probes, whether the
 * isolated master's mariadbd process still lives (its pid from the pid file, checked by /proc with its
 * start time, a zombie counting as gone), and the emulated kernels' DRBD roles, read from the emulator's
 * shared state file (written atomically by rename under the emulator's lock, so a read never sees half a
 * state; no JVM per sample). Records the first time each event happened after {@link #mark} and every
 * change, for the log.
 */
final class IsolationSampler implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What one sample saw. */
    record Sample(boolean masterProbe, boolean peerProbe, boolean mysqldAlive, String masterDrbd, String peerDrbd) {
        String describe() {
            return "probe M=" + (masterProbe ? "open" : "closed") + " P=" + (peerProbe ? "open" : "closed")
                    + ", M mysqld " + (mysqldAlive ? "alive" : "gone") + ", DRBD M=" + masterDrbd + " P=" + peerDrbd;
        }
    }

    private final SandboxLayout layout;
    private final SandboxLayout.Node master, peer;
    private final long mysqldPid, mysqldStart;
    private final Path emuState;
    private final Thread thread;
    private volatile boolean running = true;

    private long samples;
    private final List<String> bothOpen = new ArrayList<>();
    private final List<String> changes = new ArrayList<>();
    private Sample last;
    private long markNanos = -1;
    private long masterProbeClosed = -1, mysqldGone = -1, peerProbeOpen = -1, peerPrimary = -1, masterSecondary = -1,
            masterSuspended = -1, masterProbeReopened = -1;
    private boolean mysqldAliveWhenPeerOpened, masterProbeOpenWhenPeerPrimary;

    IsolationSampler(SandboxLayout layout, String master, String peer, long mysqldPid) {
        this.layout = layout;
        this.master = SandboxLayout.node(master);
        this.peer = SandboxLayout.node(peer);
        this.mysqldPid = mysqldPid;
        OptionalLong st = ProcessGroups.startTime(mysqldPid);
        if (st.isEmpty()) throw new IllegalStateException("mysqld pid " + mysqldPid + " does not run");
        this.mysqldStart = st.getAsLong();
        this.emuState = layout.emuDir().resolve("state").resolve(SandboxLayout.RESOURCE).resolve("state.json");
        this.thread = new Thread(this::run, "isolation-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    /** The fault happens now: every first-time event is measured from here. */
    synchronized void mark(long nanos) {
        markNanos = nanos;
    }

    private boolean mysqldAlive() {
        return ProcessGroups.stat(mysqldPid).map(s -> s.startTime() == mysqldStart && s.state() != 'Z').orElse(false);
    }

    /** "Primary/UpToDate" or "Secondary/Outdated suspended" (the emulated kernel's view), "?" when unreadable. */
    private String drbd(JsonNode state, String node) {
        if (state == null) return "?";
        JsonNode n = state.path("nodes").path(node);
        if (n.isMissingNode()) return "?";
        String s = n.path("role").asText("?") + "/" + n.path("disk").asText("?");
        if (!n.path("suspended").asText("no").equals("no")) s += " suspended:" + n.path("suspended").asText();
        if (!state.path("connected").asBoolean()) s += " unconnected";
        return s;
    }

    private JsonNode emu() {
        try {
            return JSON.readTree(Files.readString(emuState));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private void run() {
        while (running) {
            long t = System.nanoTime();
            boolean m = Sandbox.probeOpen(master, layout.probeTcpPort(), 50);
            boolean p = Sandbox.probeOpen(peer, layout.probeTcpPort(), 50);
            boolean alive = mysqldAlive();
            JsonNode state = emu();
            record(t, new Sample(m, p, alive, drbd(state, master.name()), drbd(state, peer.name())));
            long sleep = 10 - (System.nanoTime() - t) / 1_000_000;
            if (sleep > 0) {
                try {
                    Thread.sleep(sleep);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private synchronized void record(long t, Sample s) {
        samples++;
        if (s.masterProbe() && s.peerProbe()) bothOpen.add("sample " + samples + " at " + since(t));
        if (last == null || !s.equals(last)) changes.add(since(t) + ": " + s.describe());
        last = s;
        if (markNanos < 0) return;
        long ms = (t - markNanos) / 1_000_000;
        if (masterProbeClosed < 0 && !s.masterProbe()) masterProbeClosed = ms;
        if (masterProbeClosed >= 0 && masterProbeReopened < 0 && s.masterProbe()) masterProbeReopened = ms;
        if (mysqldGone < 0 && !s.mysqldAlive()) mysqldGone = ms;
        if (peerProbeOpen < 0 && s.peerProbe()) {
            peerProbeOpen = ms;
            mysqldAliveWhenPeerOpened = s.mysqldAlive();
        }
        if (peerPrimary < 0 && s.peerDrbd().startsWith("Primary")) {
            peerPrimary = ms;
            masterProbeOpenWhenPeerPrimary = s.masterProbe();
        }
        if (masterSecondary < 0 && s.masterDrbd().startsWith("Secondary")) masterSecondary = ms;
        if (masterSuspended < 0 && s.masterDrbd().contains("suspended")) masterSuspended = ms;
    }

    private String since(long t) {
        return markNanos < 0 ? "before the isolation" : String.format("+%d ms", (t - markNanos) / 1_000_000);
    }

    synchronized long samples() {
        return samples;
    }

    synchronized List<String> bothOpen() {
        return List.copyOf(bothOpen);
    }

    synchronized List<String> changes() {
        return List.copyOf(changes);
    }

    synchronized Sample last() {
        return last;
    }

    /** Milliseconds after the mark of each first event; -1 when it was not seen. */
    synchronized List<String> facts() {
        return List.of("masterProbeClosedMs=" + masterProbeClosed, "masterMysqldGoneMs=" + mysqldGone,
                "peerProbeOpenMs=" + peerProbeOpen, "peerPrimaryMs=" + peerPrimary,
                "masterSecondaryMs=" + masterSecondary, "masterSuspendedMs=" + masterSuspended,
                "masterProbeReopenedMs=" + masterProbeReopened,
                "mysqldAliveWhenPeerOpened=" + mysqldAliveWhenPeerOpened,
                "masterProbeOpenWhenPeerPrimary=" + masterProbeOpenWhenPeerPrimary,
                "samples=" + samples, "bothOpenSamples=" + bothOpen.size());
    }

    synchronized boolean peerProbeOpened() {
        return peerProbeOpen >= 0;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(2000);
    }
}
