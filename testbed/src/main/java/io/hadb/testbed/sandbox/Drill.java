package io.hadb.testbed.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hadb.agent.drbd.DrbdAdm;
import io.hadb.agent.drbd.DrbdResourceState;
import io.hadb.agent.exec.CommandRunner;
import io.hadb.testbed.lb.LbEvent;
import io.hadb.testbed.lb.NetnsSockets;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A drill on a running net-mode sandbox: a client writes through the balancer without pause while each trial
 * injects a fault, waits for writes to be acknowledged again, heals, waits for DRBD to resync, and checks that
 * every acknowledged row is on the master (read through the frontend), that no row appears twice, that every
 * acknowledgement came from the node that was master then, and that the two probes were never open at once
 * (sampled every 10 ms throughout). After the last trial a planned switchover to the resynced replica checks
 * that every acknowledged row is on the replica's copy too.
 */
final class Drill {
    private static final Duration RECOVERY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration RESYNC_TIMEOUT = Duration.ofSeconds(120);
    /** An acknowledgement this long after the injection proves writes flow again (not a commit already in flight). */
    private static final long SETTLE_NANOS = 300_000_000L;

    private final Sandbox sandbox;
    private final SandboxFaults faults;
    private final PrintStream out;
    private final CommandRunner runner = new CommandRunner();
    private final ClientMode mode;
    private ReplicaCheck replicaCheck;
    /**
     * Rows up to this sequence number were found on the master after a resync and their table then dropped, so
     * that a long drill does not fill the sandbox's small disk; they are not looked for again.
     */
    private long prunedThrough = Long.MIN_VALUE;
    /** The tables that may hold rows not yet pruned: older ones first, the writer's current one last. */
    private final List<String> tables = new ArrayList<>(List.of(DrillWriter.TABLE));
    /** Rows in a table before the writer moves to a new one: far below what the sandbox's 128 MiB image holds. */
    private static final long ROTATE_ABOVE = Long.getLong("hadb.drill.rotate-above", 150_000);

    /**
     * What the replica's copy held: every acknowledged row read on the replica once it had taken over by a
     * planned switchover after its resync. missing -1 and error set when the check could not be made.
     */
    record ReplicaCheck(String replica, long acked, long missing, long duplicates, String error) {
        boolean passed() {
            return error == null && missing == 0 && duplicates == 0;
        }

        String line() {
            return error != null ? "replica check FAILED: " + error
                    : String.format(Locale.ROOT, "replica check: %d acknowledged rows, %d missing, %d twice on %s's copy"
                    + " (read after a switchover to it once resynced)%s", acked, missing, duplicates, replica, passed() ? "  OK" : "  FAILED");
        }

        ObjectNode json() {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("replica", replica);
            o.put("acked_writes", acked);
            o.put("lost_acked_writes", missing);
            o.put("duplicate_rows", duplicates);
            o.put("passed", passed());
            if (error != null) o.put("error", error);
            return o;
        }
    }

    Drill(Sandbox sandbox, PrintStream out) throws Sandbox.SandboxException {
        this(sandbox, out, ClientMode.FIXED_RETRY);
    }

    Drill(Sandbox sandbox, PrintStream out, ClientMode mode) throws Sandbox.SandboxException {
        this.sandbox = sandbox;
        this.faults = new SandboxFaults(sandbox, out);
        this.out = out;
        this.mode = mode;
    }

    /** The check on the replica after the last trial of {@link #run}, or null before. */
    ReplicaCheck replicaCheck() {
        return replicaCheck;
    }

    /** The node whose mariadbd writes this pid file (net mode: in the node's own directory), or null. */
    private String nodeOfPidFile(String pidFile) {
        Path p = Path.of(pidFile);
        for (SandboxLayout.Node n : SandboxLayout.dataNodes())
            if (p.startsWith(sandbox.layout().nodeDir(n.name())) || p.startsWith(sandbox.layout().datadir(n.name()))) return n.name();
        return null;
    }

    /** Runs the trials in order; never throws for a failed trial (it is reported as such). */
    List<DrillTrial> run(List<FaultKind> trials) throws InterruptedException {
        SandboxLayout l = sandbox.layout();
        List<DrillTrial> results = new ArrayList<>();
        ExecutorService client = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(() -> {
                NetnsSockets.enter(NetMode.CLIENT_NAMESPACE);
                r.run();
            }, "drill-check");
            t.setDaemon(true);
            return t;
        });
        try (ProbeSampler probes = new ProbeSampler(sandbox);
             DrillWriter writer = new DrillWriter(NetMode.FRONTEND, l.sqlPort(), Sandbox.SQL_USER, mode, this::nodeOfPidFile)) {
            probes.start();
            writer.start();
            for (int i = 0; i < trials.size(); i++) {
                DrillTrial t = trial(i + 1, trials.get(i), writer, probes, client);
                results.add(t);
                out.println(t.line());
            }
            replicaCheck = checkReplica(writer, client);
            out.println(replicaCheck.line());
        } finally {
            client.shutdownNow();
        }
        return results;
    }

    private DrillTrial trial(int number, FaultKind kind, DrillWriter writer, ProbeSampler probes, ExecutorService client)
            throws InterruptedException {
        String oldMaster = "?";
        String node = null;
        long t0 = 0;
        long ready = System.nanoTime();
        try {
            // a steady start: one master, resynced, writes acknowledged
            awaitResync(writer, ready);
            oldMaster = faults.master().orElse("?");
            t0 = System.nanoTime();
            long lastBefore = writer.lastAckNanos();
            node = faults.inject(kind, null);
            // the fault is held for a while whatever happens, so that a master that keeps serving for the rest of
            // its lease is not taken for a recovery
            long hold = t0 + holdNanos();
            while (System.nanoTime() < hold) Thread.sleep(20);
            long oldDown = oldMaster.equals("?") ? -1 : probes.firstAfter(oldMaster, t0, false);
            awaitAck(writer, hold, RECOVERY_TIMEOUT, "no write was acknowledged again within "
                    + (holdNanos() / 1_000_000_000L + RECOVERY_TIMEOUT.toSeconds()) + " s of the fault");
            long recovered = System.nanoTime();
            String newMaster = faults.master().orElse(null);
            List<String> steps = new ArrayList<>(faults.heal());
            long healed = System.nanoTime();
            awaitResync(writer, healed, steps);
            List<String> operatorSteps = steps.stream().filter(x -> x.startsWith(SandboxFaults.OPERATOR_STEP))
                    .map(x -> x.substring(SandboxFaults.OPERATOR_STEP.length())).toList();
            long end = System.nanoTime();

            List<DrillWriter.Ack> acks = writer.acks();
            long from = oldDown >= 0 ? oldDown : t0;
            // the commit that ended the longest stretch without one (the old master may still acknowledge a few
            // on pinned connections after its probe closed: those do not end the outage)
            long firstAck = gapEnd(acks, lastBefore, recovered);
            long downtime = longestGap(acks, lastBefore, recovered);
            long healDowntime = longestGap(acks, lastAckBefore(acks, healed), end);
            long newUp = -1;
            if (newMaster != null) {
                boolean failover = !newMaster.equals(oldMaster) || oldDown >= 0;
                newUp = failover ? probes.firstAfter(newMaster, newMaster.equals(oldMaster) ? from : t0, true) : -1;
                if (newUp > recovered) newUp = -1;
            }
            Check c = check(client, acks);
            if (c.missing == 0 && c.duplicates == 0 && c.rows > ROTATE_ABOVE) rotate(client, writer);
            int doubles = probes.bothOpenBetween(t0, end);
            List<LbEvent> lb = balancerEvents();
            long markedDown = oldMaster.equals("?") ? -1 : marked(lb, oldMaster, false, t0);
            if (markedDown > recovered) markedDown = -1;
            long markedUp = newMaster == null || newUp < 0 ? -1 : marked(lb, newMaster, true, newUp);
            if (markedUp > recovered) markedUp = -1;
            long nonMaster = AckOrder.byNonMaster(acks, ready, end, oldMaster, newMaster);
            return new DrillTrial(number, kind, node, oldMaster, newMaster, downtime / 1_000_000, rel(oldDown, t0),
                    rel(markedDown, t0), rel(newUp, t0), rel(markedUp, t0), rel(firstAck, t0), healDowntime / 1_000_000,
                    writer.totalAcks(), c.missing, c.duplicates, nonMaster, doubles, null, operatorSteps);
        } catch (Sandbox.SandboxException | IOException | RuntimeException e) {
            String why = e.getMessage();
            try {
                faults.heal();
            } catch (IOException | RuntimeException ignored) {
                // reported below
            }
            int doubles = t0 == 0 ? 0 : probes.bothOpenBetween(t0, System.nanoTime());
            return new DrillTrial(number, kind, node, oldMaster, null, -1, -1, -1, -1, -1, -1, -1, writer.totalAcks(), -1, -1,
                    -1, doubles, why + " (client's last error: " + writer.lastError() + ")", List.of());
        }
    }

    /** The balancer's events so far (its log in the sandbox's directory); empty if it cannot be read. */
    private List<LbEvent> balancerEvents() {
        List<LbEvent> events = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(NetSandbox.lbEventsFile(sandbox.layout().dir()))) {
                try {
                    events.add(LbEvent.parse(line));
                } catch (IllegalArgumentException ignored) {
                    // a line being written as we read: the next trial reads it whole
                }
            }
        } catch (IOException e) {
            out.println("drill: cannot read the balancer's events: " + e.getMessage());
        }
        return events;
    }

    /**
     * When the balancer marked backend up (or down) at or after t, or -1. Its log has millisecond stamps: an
     * event in the same millisecond as t counts.
     */
    static long marked(List<LbEvent> events, String backend, boolean up, long t) {
        for (LbEvent e : events) {
            if (e.kind() != LbEvent.Kind.STATE || !backend.equals(e.backend()) || e.monoNanos() < t - 1_000_000L) continue;
            if (e.detail().startsWith(up ? "UP" : "DOWN")) return Math.max(t, e.monoNanos());
        }
        return -1;
    }

    /**
     * Switches over to the replica once it has resynced and reads every row there: an acknowledged write the
     * replica's copy lacks would be lost by the next failover.
     */
    private ReplicaCheck checkReplica(DrillWriter writer, ExecutorService client) throws InterruptedException {
        String replica = "?";
        try {
            awaitResync(writer, System.nanoTime());
            String master = faults.master().orElseThrow(() -> new IOException("no master before the replica check"));
            replica = SandboxFaults.peerOf(master);
            long asked = System.nanoTime();
            faults.switchover(replica);
            long deadline = asked + RECOVERY_TIMEOUT.toNanos();
            while (!(replica.equals(faults.master().orElse(null)) && lastAckBy(writer.acks(), replica) > asked)) {
                if (System.nanoTime() > deadline) throw new IOException(replica + " did not serve within "
                        + RECOVERY_TIMEOUT.toSeconds() + " s of the switchover (client's last error: " + writer.lastError() + ")");
                Thread.sleep(50);
            }
            Check c = check(client, writer.acks());
            return new ReplicaCheck(replica, writer.totalAcks(), c.missing, c.duplicates, null);
        } catch (Sandbox.SandboxException | IOException | RuntimeException e) {
            return new ReplicaCheck(replica, writer.totalAcks(), -1, -1, e.getMessage());
        }
    }

    private static long lastAckBy(List<DrillWriter.Ack> acks, String node) {
        for (int i = acks.size() - 1; i >= 0; i--) if (acks.get(i).node().equals(node)) return acks.get(i).nanos();
        return Long.MIN_VALUE;
    }

    /**
     * How long the fault is held at least: well past the lease (1 s), so that a master still serving out its lease
     * is not taken for a recovery, and past one probe interval. Recovery itself is waited for after the hold,
     * whatever the balancer's threshold.
     */
    private long holdNanos() {
        return Duration.ofSeconds(Math.max(8, sandbox.layout().net().probeInterval() + 3L)).toNanos();
    }

    /** The longest stretch without an acknowledgement between from and to (both bounds count as edges). */
    static long longestGap(List<DrillWriter.Ack> acks, long from, long to) {
        long prev = from, worst = 0;
        for (DrillWriter.Ack a : acks) {
            if (a.nanos() <= from) continue;
            if (a.nanos() > to) break;
            worst = Math.max(worst, a.nanos() - prev);
            prev = a.nanos();
        }
        return Math.max(worst, to - prev);
    }

    /** The acknowledgement that ended the longest stretch without one in (from, to], or -1. */
    static long gapEnd(List<DrillWriter.Ack> acks, long from, long to) {
        long prev = from, worst = -1, end = -1;
        for (DrillWriter.Ack a : acks) {
            if (a.nanos() <= from) continue;
            if (a.nanos() > to) break;
            if (a.nanos() - prev > worst) {
                worst = a.nanos() - prev;
                end = a.nanos();
            }
            prev = a.nanos();
        }
        return end;
    }

    private static long lastAckBefore(List<DrillWriter.Ack> acks, long t) {
        long last = t;
        for (DrillWriter.Ack a : acks) {
            if (a.nanos() > t) break;
            last = a.nanos();
        }
        return last;
    }

    private static long rel(long t, long t0) {
        return t < 0 ? -1 : (t - t0) / 1_000_000;
    }

    private static void awaitAck(DrillWriter w, long after, Duration timeout, String failure) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (w.lastAckNanos() < after) {
            if (System.nanoTime() > deadline) throw new IOException(failure);
            Thread.sleep(10);
        }
    }

    /** Both DRBD sides UpToDate and connected, a master serving, and a write acknowledged after `after`. */
    private void awaitResync(DrillWriter w, long after) throws IOException, InterruptedException {
        awaitResync(w, after, new ArrayList<>());
    }

    /**
     * As above; a Secondary that stays StandAlone for {@link SandboxFaults#AGENT_RECONNECT_GRACE} is connected as an operator would (recorded in steps):
     * its agent does not reconnect it, and without it the drill could not go on.
     */
    private void awaitResync(DrillWriter w, long after, List<String> steps) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + RESYNC_TIMEOUT.toNanos();
        java.util.Map<String, Long> standAloneSince = new java.util.HashMap<>();
        String last = "";
        while (true) {
            boolean synced = true;
            StringBuilder s = new StringBuilder();
            for (SandboxLayout.Node n : SandboxLayout.dataNodes()) {
                try {
                    DrbdResourceState st = new DrbdAdm(runner, SandboxLayout.RESOURCE, Sandbox.pair(sandbox.layout())
                            .settings(n.name())).status();
                    synced &= st.healthyPair();
                    s.append(n.name()).append(' ').append(st.summary()).append("; ");
                    if (!st.isPrimary() && st.summary().contains("StandAlone")) {
                        long since = standAloneSince.computeIfAbsent(n.name(), k -> System.nanoTime());
                        if (System.nanoTime() - since > SandboxFaults.AGENT_RECONNECT_GRACE.toNanos()) {
                            String step = faults.reconnectIfStandAlone(n.name());
                            if (step != null) steps.add(step);
                            standAloneSince.remove(n.name());
                        }
                    } else {
                        standAloneSince.remove(n.name());
                    }
                } catch (Exception e) {
                    synced = false;
                    s.append(n.name()).append(' ').append(e.getMessage()).append("; ");
                }
            }
            last = s.toString();
            if (synced && faults.master().isPresent() && w.lastAckNanos() > after) return;
            if (System.nanoTime() > deadline) throw new IOException("not resynced within " + RESYNC_TIMEOUT.toSeconds()
                    + " s (" + last + "master " + faults.master().orElse("none") + ")");
            // each look runs drbdsetup status on both nodes (a JVM each in the emulator): not in a tight loop
            Thread.sleep(800);
        }
    }

    /** @param rows rows read */
    private record Check(long acked, long missing, long duplicates, long rows) {
    }

    private String checkUrl() {
        return "jdbc:mariadb://" + NetMode.FRONTEND + ":" + sandbox.layout().sqlPort() + "/?user=" + Sandbox.SQL_USER
                + "&connectTimeout=2000&socketTimeout=30000";
    }

    /**
     * Reads every row not yet pruned through the frontend (from the client namespace): acknowledged rows missing,
     * rows twice.
     */
    private Check check(ExecutorService client, List<DrillWriter.Ack> all) throws IOException, InterruptedException {
        List<DrillWriter.Ack> acks = all.stream().filter(a -> a.seq() > prunedThrough).toList();
        long from = prunedThrough;
        List<String> live = List.copyOf(tables);
        IOException last = null;
        for (int attempt = 0; attempt < 10; attempt++) {
            Future<Check> f = client.submit(() -> {
                Set<Long> present = new HashSet<>();
                long dups = 0, rows = 0;
                String sql = String.join(" UNION ALL ", live.stream().map(t -> "SELECT seq FROM " + t + " WHERE seq > ?").toList());
                try (Connection c = DriverManager.getConnection(checkUrl()); java.sql.PreparedStatement st = c.prepareStatement(sql)) {
                    for (int i = 1; i <= live.size(); i++) st.setLong(i, from);
                    try (ResultSet rs = st.executeQuery()) {
                        while (rs.next()) {
                            rows++;
                            if (!present.add(rs.getLong(1))) dups++;
                        }
                    }
                }
                long missing = 0;
                for (DrillWriter.Ack a : acks) if (!present.contains(a.seq())) missing++;
                return new Check(acks.size(), missing, dups, rows);
            });
            try {
                return f.get(60, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                f.cancel(true);
                last = new IOException("reading the rows through the frontend: " + (e.getCause() instanceof SQLException s
                        ? s.getMessage() : String.valueOf(e)));
                Thread.sleep(1000);
            }
        }
        throw last;
    }

    /**
     * Moves the writer to a new table, checks that every row acknowledged before the move is there, then drops the
     * older tables (a dropped table frees its space at once; deleting rows would grow the undo log instead).
     * Anything that goes wrong only leaves the older tables in place, still checked.
     */
    private void rotate(ExecutorService client, DrillWriter writer) throws InterruptedException {
        String next = "drill.t" + tables.size() + "_" + (System.nanoTime() % 100_000);
        writer.switchTo(next);
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!writer.table().equals(next)) {
            if (System.nanoTime() > deadline) {
                out.println("drill: the writer did not move to " + next + " within 30 s; the tables stay");
                tables.add(next);
                return;
            }
            Thread.sleep(20);
        }
        tables.add(next);
        long through = writer.switchedAfterSeq();
        try {
            Check c = check(client, writer.acks().stream().filter(a -> a.seq() <= through).toList());
            if (c.missing != 0 || c.duplicates != 0) {
                out.println("drill: " + c.missing + " rows missing before the table switch; the tables stay for the checks");
                return;
            }
            List<String> old = new ArrayList<>(tables.subList(0, tables.size() - 1));
            Future<?> f = client.submit(() -> {
                try (Connection conn = DriverManager.getConnection(checkUrl()); Statement st = conn.createStatement()) {
                    for (String t : old) st.execute("DROP TABLE IF EXISTS " + t);
                }
                return null;
            });
            f.get(60, TimeUnit.SECONDS);
            prunedThrough = through;
            tables.removeAll(old);
            writer.forgetThrough(through);
            out.println("drill: " + c.acked + " verified rows dropped with " + old + "; the writer goes on in " + next);
        } catch (IOException | ExecutionException | TimeoutException e) {
            out.println("drill: the older tables were not dropped (" + e.getMessage() + "); they stay and are checked");
        }
    }

    /** The table printed at the end. */
    static String table(List<DrillTrial> trials) {
        String f = "%-5s %-16s %-7s %-15s %9s %9s %9s %9s %9s %9s %9s %7s %5s %5s %6s %7s %s%n";
        StringBuilder t = new StringBuilder(String.format(Locale.ROOT, f, "trial", "fault", "node", "master", "downtime",
                "old-down", "lb-down", "new-up", "lb-up", "1st-ack", "heal-gap", "acked", "lost", "dup", "!mstr", "double", "result"));
        for (DrillTrial d : trials) {
            t.append(String.format(Locale.ROOT, f, d.number(), d.fault().cliName(), d.node() == null ? "-" : d.node(),
                    d.oldMaster() + "->" + (d.newMaster() == null ? "?" : d.newMaster()), DrillTrial.ms(d.downtimeMs()),
                    DrillTrial.ms(d.oldDownMs()), DrillTrial.ms(d.markedDownMs()), DrillTrial.ms(d.newUpMs()),
                    DrillTrial.ms(d.markedUpMs()), DrillTrial.ms(d.firstAckMs()), DrillTrial.ms(d.healDowntimeMs()), d.acked(),
                    count(d.lostAcked()), count(d.duplicates()), count(d.nonMasterAcks()), d.doubleHealthy(),
                    d.error() != null ? "FAILED: " + d.error() : !d.passed() ? "FAILED"
                            : d.operatorSteps().isEmpty() ? "ok" : "ok, with an operator step"));
        }
        return t.toString();
    }

    private static String count(long n) {
        return n < 0 ? "?" : Long.toString(n);
    }

    static void writeJson(Path file, SandboxLayout l, ClientMode mode, List<DrillTrial> trials, ReplicaCheck replica)
            throws IOException {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("probe_interval_s", l.net().probeInterval());
        root.put("threshold", l.net().threshold());
        root.put("client", mode.what());
        ArrayNode a = root.putArray("trials");
        for (DrillTrial t : trials) a.add(t.json());
        if (replica != null) root.set("replica_check", replica.json());
        Files.writeString(file, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
    }

    /** The trials of a run: --fault KIND × N, or N drawn at random (seeded, printed). */
    static List<FaultKind> plan(Optional<FaultKind> fault, int trials, long seed) {
        List<FaultKind> all = FaultKind.drillable();
        java.util.Random r = new java.util.Random(seed);
        List<FaultKind> plan = new ArrayList<>();
        for (int i = 0; i < trials; i++) plan.add(fault.orElseGet(() -> all.get(r.nextInt(all.size()))));
        return plan;
    }
}
