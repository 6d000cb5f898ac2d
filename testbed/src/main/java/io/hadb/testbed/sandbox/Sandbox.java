package io.hadb.testbed.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hadb.agent.config.KeyFile;
import io.hadb.agent.control.ControlClient;
import io.hadb.agent.drbd.DrbdAdm;
import io.hadb.agent.drbd.DrbdCommandException;
import io.hadb.agent.drbd.DrbdResourceState;
import io.hadb.agent.exec.CommandResult;
import io.hadb.agent.exec.CommandRunner;
import io.hadb.agent.fs.FilesystemDriver;
import io.hadb.agent.fs.MountOptions;
import io.hadb.agent.mysql.MariadbDatadir;
import io.hadb.testbed.drbd.EmulatedPair;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A whole hadb cluster on this machine: two data nodes and a witness as real agent processes on
 * 127.0.0.1–3, emulated DRBD r0 over loop devices with ext4, a MariaDB datadir on it. Each node's agent is
 * started in its own session (setsid), so that all its processes (agent, mariadbd, the emulator's
 * helpers) are one process group that a crash stops at once. State lives in the sandbox directory and
 * nowhere else; {@link #down} removes all of it, whatever state it is in.
 */
public final class Sandbox {
    static final String SQL_USER = "hadb";
    static final String KERNEL = "8.4";
    private static final int IMAGE_MIB = 128;
    private static final Duration CMD_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A refusal or failure with the exit code the command line should return. */
    public static final class SandboxException extends Exception {
        private final int exitCode;

        public SandboxException(int exitCode, String message) {
            super(message);
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }
    }

    /** What {@code up} achieved: the node whose probe opened first (or leader, membership only), and when. */
    public record UpResult(Optional<String> master, Duration prepare, Duration agentsToMaster, Duration total) {
    }

    private final SandboxLayout layout;
    private final List<String> agentCommand;
    private final PrintStream out;
    private final CommandRunner runner = new CommandRunner();
    private final Object startLock = new Object();
    private volatile boolean aborting;

    /**
     * @param agentCommand how to run an agent, before {@code --config FILE} (packaging/bin/hadb-agent, or java
     *                     with a test's class path)
     */
    public Sandbox(SandboxLayout layout, List<String> agentCommand, PrintStream out) {
        this.layout = layout;
        this.agentCommand = List.copyOf(agentCommand);
        this.out = out;
    }

    public SandboxLayout layout() {
        return layout;
    }

    // ------------------------------------------------------------------------------------------------ up

    /**
     * Claims the sandbox directory (refused if it exists: a sandbox runs, or one was left behind), prepares
     * the replicated data, starts the three agents and waits until a master's TCP probe accepts a
     * connection (membership only: until an agent serves). A failure before the agents run tears
     * everything down again; a master that does not appear in time leaves the sandbox running to inspect.
     */
    public UpResult up(Duration masterTimeout) throws SandboxException, IOException, InterruptedException {
        return up(masterTimeout, () -> { });
    }

    /** @param claimed runs once the directory is this sandbox's (e.g. to install a Ctrl-C handler) */
    public UpResult up(Duration masterTimeout, Runnable claimed) throws SandboxException, IOException, InterruptedException {
        long t0 = System.nanoTime();
        refuseIfPresent();
        try {
            Files.createDirectories(layout.dir().getParent());
            Files.createDirectory(layout.dir());
        } catch (FileAlreadyExistsException e) {
            refuseIfPresent();
            throw new SandboxException(3, layout.dir() + " appeared meanwhile: another `sandbox up` is running");
        }
        claimed.run();
        Map<String, Long> pids = new LinkedHashMap<>();
        long agentsStarted;
        try {
            layout.save();
            KeyFile.generate(layout.keyFile());
            if (layout.netMode()) NetSandbox.start(layout, runner, out);
            EmulatedPair pair = EmulatedPair.create(layout.emuDir(), SandboxLayout.RESOURCE,
                    SandboxLayout.dataNodes().stream().map(SandboxLayout.Node::name).toList(), KERNEL, IMAGE_MIB);
            prepareData(pair);
            // from now on DRBD runs as the README configures it for hadb: a Primary that loses its peer freezes
            // I/O until agentctl fence-peer (the agent) confirms the peer Outdated through the cluster
            pair.reconfigure(drbdGlobal(), drbdSections(layout));
            for (SandboxLayout.Node n : SandboxLayout.NODES) {
                Files.createDirectories(layout.nodeDir(n.name()));
                Map<String, String> env = n.data() ? drbdEnv(pair, n.name()) : Map.of();
                Files.writeString(layout.config(n.name()), SandboxConfigs.agentToml(layout, n.name(), env));
            }
            agentsStarted = System.nanoTime();
            for (SandboxLayout.Node n : SandboxLayout.NODES) pids.put(n.name(), startAgent(n.name()));
        } catch (IOException | RuntimeException | DrbdCommandException | InterruptedException e) {
            out.println("sandbox up failed: " + e.getMessage());
            if (!aborting) {
                out.println("tearing down what was made");
                down(layout.dir(), out);
            }
            throw new SandboxException(1, "sandbox up failed: " + e.getMessage());
        }
        Duration prepare = Duration.ofNanos(agentsStarted - t0);
        out.printf("data prepared in %.1f s; agents started: %s%n", prepare.toMillis() / 1000.0, pids);
        Optional<String> master = layout.resources() ? awaitProbe(masterTimeout) : awaitServing(masterTimeout);
        long t1 = System.nanoTime();
        UpResult r = new UpResult(master, prepare, Duration.ofNanos(t1 - agentsStarted), Duration.ofNanos(t1 - t0));
        printWelcome(r, masterTimeout);
        return r;
    }

    private void refuseIfPresent() throws SandboxException {
        if (!Files.exists(layout.dir())) return;
        List<String> running = new ArrayList<>();
        for (SandboxLayout.Node n : SandboxLayout.NODES) {
            readPid(layout.dir(), n.name()).filter(p -> ProcessGroups.ours(p[0], p[1]))
                    .ifPresent(p -> running.add(n.name() + " (pid " + p[0] + ")"));
        }
        if (!running.isEmpty()) {
            throw new SandboxException(3, "a sandbox is already running in " + layout.dir() + ": " + String.join(", ", running)
                    + "; nothing changed. `sandbox status` shows it, `sandbox down` ends it");
        }
        throw new SandboxException(3, layout.dir() + " exists, left by an earlier sandbox with no agent running; nothing"
                + " changed. Run `sandbox down` to clean it up first");
    }

    /**
     * Once, before any agent runs: hadb01 up and Primary (forced: new data), ext4, a MariaDB datadir,
     * unmounted and Secondary again; hadb02 up and resynced until both are UpToDate and connected.
     */
    private void prepareData(EmulatedPair pair) throws IOException, DrbdCommandException,
            io.hadb.agent.fs.FilesystemException, InterruptedException {
        String first = SandboxLayout.dataNodes().get(0).name(), second = SandboxLayout.dataNodes().get(1).name();
        DrbdAdm d1 = new DrbdAdm(runner, SandboxLayout.RESOURCE, pair.settings(first));
        DrbdAdm d2 = new DrbdAdm(runner, SandboxLayout.RESOURCE, pair.settings(second));
        checkAborting();
        d1.up();
        d1.primaryForce();
        Path device = SandboxConfigs.device(layout, first);
        checkAborting();
        CommandResult mkfs = runner.run(Duration.ofSeconds(60), List.of("mkfs.ext4", "-q", "-F", device.toString()));
        if (!mkfs.ok()) throw new IOException("mkfs.ext4 failed: " + mkfs.summary());
        FilesystemDriver fs = new FilesystemDriver("ext4", MountOptions.parse("noatime"));
        Path mnt = layout.mountpoint(first);
        Files.createDirectories(mnt);
        Files.createDirectories(layout.mountpoint(second));
        checkAborting();
        fs.mount(device, mnt);
        try {
            MariadbDatadir.initialize(runner, layout.datadir(first), SQL_USER, "", MariadbDatadir.smallServerOptions());
            if (layout.netMode()) allowNetworkClients(layout.datadir(first));
        } finally {
            fs.unmount(device, mnt, Duration.ofSeconds(5));
        }
        d1.secondary();
        checkAborting();
        d2.up();
        long deadline = System.nanoTime() + SYNC_TIMEOUT.toNanos();
        while (true) {
            DrbdResourceState a, b;
            try {
                a = d1.status();
                b = d2.status();
            } catch (io.hadb.agent.drbd.DrbdParseException e) {
                throw new IOException("emulator status unreadable: " + e.getMessage(), e);
            }
            if (a.healthyPair() && b.healthyPair()) break;
            if (System.nanoTime() > deadline) throw new IOException("DRBD did not become UpToDate/connected on both nodes"
                    + " within " + SYNC_TIMEOUT.toSeconds() + " s: " + a.summary() + " / " + b.summary());
            checkAborting();
            Thread.sleep(100);
        }
    }

    /** Net mode: clients come through the balancer from 10.213.0.0/24, so the SQL user may connect from 10.213.%. */
    private void allowNetworkClients(Path datadir) throws IOException {
        String mariadbd = Files.isExecutable(Path.of("/usr/sbin/mariadbd")) ? "/usr/sbin/mariadbd" : "mariadbd";
        List<String> cmd = new ArrayList<>(List.of(mariadbd, "--no-defaults", "--bootstrap", "--datadir=" + datadir,
                "--user=root", "--skip-networking", "--log-error=" + datadir.resolve("bootstrap-net.err")));
        cmd.addAll(MariadbDatadir.smallServerOptions());
        String sql = "FLUSH PRIVILEGES;\nCREATE USER '" + SQL_USER + "'@'10.213.%' IDENTIFIED BY '';\n"
                + "GRANT ALL PRIVILEGES ON *.* TO '" + SQL_USER + "'@'10.213.%';\n";
        CommandResult r = runner.run(Duration.ofSeconds(60), cmd, Map.of(), sql.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        if (!r.ok()) throw new IOException("granting " + SQL_USER + "@10.213.% failed: " + r.summary());
        Files.deleteIfExists(datadir.resolve("bootstrap-net.err"));
    }

    private void checkAborting() throws IOException {
        if (aborting) throw new IOException("interrupted");
    }

    /** Marks an `up` in progress as abandoned (Ctrl-C): no agent is started after this returns. */
    public void abort() {
        aborting = true;
        synchronized (startLock) {
            // waits for a start in progress to have written its pid file, so that down finds it
        }
        // a preparation command still running (drbdadm, mkfs, mariadb-install-db) would keep the mount busy;
        // these are this process's own children, killed by pid (agents are killed by group in down)
        ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
    }

    /** The emulator's environment for a node's drbdadm/drbdsetup, as the agent's [drbd] env. */
    static String drbdGlobal() {
        return "cmd-timeout-long 30; ";
    }

    /** The resource's own sections: the README's DRBD configuration, handlers pointed at each node's agentctl. */
    static String drbdSections(SandboxLayout l) {
        // the handler runs under sh -c with the emulator's environment: HADB_EMU_NODE names the node
        String ctl = l.agentctl() + " -c " + l.dir() + "/$HADB_EMU_NODE.toml";
        return "  net { protocol C; ping-int 1; ping-timeout 5; timeout 5; connect-int 2; }\n"
                + "  disk { fencing resource-and-stonith; }\n"
                + "  handlers {\n"
                + "    fence-peer \"" + ctl + " fence-peer\";\n"
                + "    unfence-peer \"" + ctl + " unfence-peer\";\n"
                + "    after-resync-target \"" + ctl + " after-resync-target\";\n"
                + "  }\n";
    }

    private static Map<String, String> drbdEnv(EmulatedPair pair, String node) {
        Map<String, String> env = new LinkedHashMap<>(pair.env(node));
        env.remove("PATH"); // the agent calls the emulator by path, and keeps its own PATH
        return env;
    }

    static EmulatedPair pair(SandboxLayout l) {
        return EmulatedPair.open(l.emuDir(), SandboxLayout.RESOURCE,
                SandboxLayout.dataNodes().stream().map(SandboxLayout.Node::name).toList(), KERNEL);
    }

    private Optional<String> awaitProbe(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (SandboxLayout.Node n : SandboxLayout.dataNodes())
                if (nodeProbeOpen(n, layout.probeTcpPort(), 100)) return Optional.of(n.name());
            Thread.sleep(50);
        }
        return Optional.empty();
    }

    private Optional<String> awaitServing(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (SandboxLayout.Node n : SandboxLayout.dataNodes()) {
                JsonNode s = agentStatus(layout, n.name());
                if (s != null && s.path("serving").asBoolean()) return Optional.of(n.name());
            }
            Thread.sleep(50);
        }
        return Optional.empty();
    }

    /** Whether PORT on the node's address completes a handshake now (in net mode, from the balancer's namespace). */
    public boolean nodeProbeOpen(SandboxLayout.Node n, int port, int timeoutMs) {
        if (!layout.netMode()) return probeOpen(n.address(), port, timeoutMs);
        synchronized (this) {
            try {
                if (reach == null) reach = new NetSandbox.Reach();
            } catch (IOException e) {
                return false;
            }
        }
        return reach.open(layout.address(n), port, timeoutMs);
    }

    private NetSandbox.Reach reach;

    private static boolean probeOpen(String address, int port, int timeoutMs) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), timeoutMs);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether the node's TCP probe completes a handshake now (loopback sandbox). */
    public static boolean probeOpen(SandboxLayout.Node n, int port, int timeoutMs) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(n.address(), port), timeoutMs);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void printWelcome(UpResult r, Duration timeout) {
        Path dir = layout.dir();
        if (r.master().isPresent()) {
            out.printf("master: %s: %s %.2f s after the agents started (up took %.1f s)%n", r.master().get(),
                    layout.resources() ? "its TCP probe accepted a connection" : "it serves (membership only)",
                    r.agentsToMaster().toMillis() / 1000.0, r.total().toMillis() / 1000.0);
        } else {
            out.printf("NO master %s within %d s of the agents starting; the sandbox keeps running: see `sandbox status`"
                    + " and the logs in %s, end it with `sandbox down`%n",
                    layout.resources() ? "probe opened" : "served", timeout.toSeconds(), dir);
        }
        out.println();
        out.println("Connect (state, configs, images and logs in " + dir + "):");
        String httpNote = SandboxLayout.dataNodes().stream().anyMatch(n -> nodeProbeOpen(n, layout.probeHttpPort(), 200))
                ? "" : "   (no HTTP listener answers yet)";
        for (SandboxLayout.Node n : SandboxLayout.dataNodes()) {
            String a = layout.address(n);
            out.printf("  %-7s SQL      %smariadb -h %s -P %d -u %s%n", n.name(), layout.netMode() ? "nsenter --net=/run/netns/"
                    + NetMode.namespace(n) + " " : "", a, layout.sqlPort(), SQL_USER);
            out.printf("          probe    tcp %s:%d   http://%s:%d/master  /replica  /health%n", a,
                    layout.probeTcpPort(), a, layout.probeHttpPort());
            out.printf("          metrics  http://%s:%d/metrics%s%n", a, layout.probeHttpPort(), httpNote);
        }
        out.println("  witness agent on " + layout.address(SandboxLayout.node("witness")) + ", UDP port " + layout.udpPort());
        if (layout.netMode()) out.println("  through the balancer: nsenter --net=/run/netns/" + NetMode.CLIENT_NAMESPACE + " mariadb -h "
                + NetMode.FRONTEND + " -P " + layout.sqlPort() + " -u " + SQL_USER);
        out.println();
        out.println("Try:");
        String ctl = layout.agentctl().toString();
        out.println("  " + ctl + " -c " + layout.config("hadb01") + " status");
        out.println("  " + ctl + " -c " + layout.config("hadb01") + " standby hadb01   (then: unstandby hadb01)");
        String other = r.master().filter(m -> m.equals("hadb02")).map(m -> "hadb01").orElse("hadb02");
        out.println("  " + ctl + " -c " + layout.config(other) + " switchover " + other);
        String sb = layout.bin().resolve("sandbox").toString();
        out.println("  " + sb + " status");
        out.println("  " + sb + " crash " + r.master().orElse("hadb01") + "    then: " + sb + " start "
                + r.master().orElse("hadb01"));
        out.println("  " + sb + " logs hadb01");
        out.println("  " + sb + " down");
    }

    // --------------------------------------------------------------------------------------- agents

    /** Starts the node's agent in a new session; its pid (= process group) and start time go to NODE.pid. */
    private long startAgent(String node) throws IOException {
        synchronized (startLock) {
            if (aborting) throw new IOException("interrupted");
            List<String> cmd = new ArrayList<>();
            cmd.add("setsid");
            if (layout.netMode()) cmd.addAll(NetSandbox.enter(SandboxLayout.node(node)));
            cmd.addAll(agentCommand);
            cmd.addAll(List.of("--config", layout.config(node).toString()));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(layout.agentLog(node).toFile()));
            Process p = pb.start();
            long pid = p.pid();
            OptionalLong st = ProcessGroups.startTime(pid);
            if (st.isEmpty()) throw new IOException(node + ": agent exited at once; see " + layout.agentLog(node));
            Files.writeString(layout.pidFile(node), pid + " " + st.getAsLong() + "\n");
            return pid;
        }
    }

    /** The node's recorded {pgid, leader start time}, if it has a pid file. */
    static Optional<long[]> readPid(Path dir, String node) {
        try {
            String[] f = Files.readString(dir.resolve(node + ".pid")).trim().split("\\s+");
            return Optional.of(new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])});
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The node's agent process group id, when it runs. */
    public OptionalLong agentPid(String node) {
        return readPid(layout.dir(), node).filter(p -> ProcessGroups.ours(p[0], p[1]))
                .map(p -> OptionalLong.of(p[0])).orElse(OptionalLong.empty());
    }

    /** The agent's status JSON over its control socket, or null when it does not answer. */
    /** A frozen agent (SIGSTOP, a drill's freeze) never answers: the sandbox must not wait for it. */
    private static final Duration STATUS_TIMEOUT = Duration.ofSeconds(2);

    static JsonNode agentStatus(SandboxLayout l, String node) {
        Path sock = l.controlSocket(node);
        if (!Files.exists(sock)) return null;
        try (ControlClient c = new ControlClient(sock)) {
            JsonNode j = JSON.readTree(c.ask("status", STATUS_TIMEOUT));
            return j.has("error") ? null : j;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Each node's view in a compact table, and which probes are open. */
    public String status() {
        Map<String, JsonNode> views = new LinkedHashMap<>();
        Map<String, Long> pids = new LinkedHashMap<>();
        Map<String, Boolean> probes = new LinkedHashMap<>();
        for (SandboxLayout.Node n : SandboxLayout.NODES) {
            OptionalLong pid = agentPid(n.name());
            pids.put(n.name(), pid.isPresent() ? pid.getAsLong() : null);
            views.put(n.name(), pid.isPresent() ? agentStatus(layout, n.name()) : null);
            if (n.data()) probes.put(n.name(), nodeProbeOpen(n, layout.probeTcpPort(), 200));
        }
        String table = StatusTable.render(views, pids, probes, layout.probeTcpPort());
        return layout.netMode() ? table + NetSandbox.lbStatus(layout.dir()) : table;
    }

    // ------------------------------------------------------------------------------------- faults

    /**
     * The node vanishes as a machine does: every process of its group stopped at once (SIGSTOP), its
     * emulated DRBD gone (the peer sees the link fail), then the processes killed and its mount gone.
     */
    public void crash(String node) throws SandboxException, IOException {
        SandboxLayout.Node n = SandboxLayout.node(node);
        long[] rec = readPid(layout.dir(), node).filter(p -> ProcessGroups.ours(p[0], p[1]))
                .orElseThrow(() -> new SandboxException(1, node + " is not running; nothing changed"));
        long pgid = rec[0];
        long t0 = System.nanoTime();
        ProcessGroups.signal(pgid, ProcessGroups.SIGSTOP);
        long stopped = System.nanoTime();
        List<Long> members = ProcessGroups.members(pgid);
        if (n.data()) {
            CommandResult r = pair(layout).emu("node-down", node);
            if (!r.ok()) out.println("warning: drbdemu node-down " + node + " failed: " + r.summary());
        }
        long drbdDown = System.nanoTime();
        ProcessGroups.signal(pgid, ProcessGroups.SIGKILL);
        List<Long> left = ProcessGroups.awaitEmpty(pgid, Duration.ofSeconds(5));
        if (!left.isEmpty() && n.data()) {
            // a writer blocked on a frozen filesystem dies only once it is thawed
            thaw(layout.mountpoint(node));
            left = ProcessGroups.awaitEmpty(pgid, Duration.ofSeconds(10));
        }
        if (!left.isEmpty()) throw new SandboxException(1, node + ": processes " + left + " survived SIGKILL");
        Files.deleteIfExists(layout.pidFile(node));
        if (n.data() && mountedUnder(layout.mountpoint(node)).contains(layout.mountpoint(node).toString())) {
            thaw(layout.mountpoint(node));
            // the killed processes' files may be released a moment after they are gone (e.g. an io_uring
            // torn down asynchronously): busy for a short while, then free
            CommandResult u = runner.run(CMD_TIMEOUT, List.of("umount", layout.mountpoint(node).toString()));
            for (long until = System.nanoTime() + 5_000_000_000L; !u.ok() && System.nanoTime() < until; ) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
                u = runner.run(CMD_TIMEOUT, List.of("umount", layout.mountpoint(node).toString()));
            }
            if (!u.ok()) out.println("warning: unmounting " + layout.mountpoint(node) + " failed: " + u.summary());
        }
        out.printf("crashed %s: %d processes %s stopped at once, %s killed; DRBD down %.0f ms after the stop,"
                        + " %.0f ms in all%n", node, members.size(), members, n.data() ? "its DRBD went down, then all" : "all",
                (drbdDown - stopped) / 1e6, (System.nanoTime() - t0) / 1e6);
    }

    /** Brings a stopped or crashed node back: its DRBD up again (data nodes), then its agent. */
    public void start(String node) throws SandboxException, IOException {
        SandboxLayout.Node n = SandboxLayout.node(node);
        if (agentPid(node).isPresent()) throw new SandboxException(3, node + " is already running; nothing changed");
        if (!Files.exists(layout.config(node))) throw new SandboxException(1, "no sandbox in " + layout.dir());
        if (n.data()) {
            try {
                new DrbdAdm(runner, SandboxLayout.RESOURCE, pair(layout).settings(node)).up();
            } catch (DrbdCommandException e) {
                if (!e.getMessage().contains("exists already")) throw new SandboxException(1, node + ": drbdadm up failed: "
                        + e.getMessage());
            }
        }
        long pid = startAgent(node);
        out.println("started " + node + ": agent pid " + pid + (n.data() ? " (DRBD up again)" : ""));
    }

    // -------------------------------------------------------------------------------------- down

    /**
     * Removes everything a sandbox in dir made, whatever state it is in (running, crashed, half made by an
     * interrupted `up`, or already gone): every node's process group stopped and killed, frozen filesystems
     * thawed, everything mounted under dir unmounted, the emulator's loop devices and symlinks removed, dir
     * deleted. Idempotent. @return true when nothing was left behind
     */
    public static boolean down(Path dir, PrintStream out) {
        dir = dir.toAbsolutePath().normalize();
        if (!Files.exists(dir)) {
            out.println("no sandbox in " + dir + "; nothing to do");
            return true;
        }
        CommandRunner runner = new CommandRunner();
        boolean clean = true;
        List<long[]> groups = new ArrayList<>();
        for (SandboxLayout.Node n : SandboxLayout.NODES) {
            Optional<long[]> rec = readPid(dir, n.name()).filter(p -> ProcessGroups.ours(p[0], p[1]));
            rec.ifPresent(p -> {
                ProcessGroups.signal(p[0], ProcessGroups.SIGSTOP);
                groups.add(p);
            });
        }
        List<String> mounts = mountedUnder(dir);
        // a process blocked on a frozen filesystem cannot die until it is thawed
        for (String m : mounts) thaw(Path.of(m));
        for (long[] g : groups) ProcessGroups.signal(g[0], ProcessGroups.SIGKILL);
        for (long[] g : groups) {
            List<Long> left = ProcessGroups.awaitEmpty(g[0], Duration.ofSeconds(15));
            if (!left.isEmpty()) {
                out.println("processes " + left + " of group " + g[0] + " survived SIGKILL");
                clean = false;
            } else {
                out.println("killed process group " + g[0]);
            }
        }
        // deepest first
        mounts = new ArrayList<>(mountedUnder(dir));
        mounts.sort((a, b) -> b.length() - a.length());
        for (String m : mounts) {
            thaw(Path.of(m));
            try {
                CommandResult r = runner.run(CMD_TIMEOUT, List.of("umount", m));
                if (r.ok()) out.println("unmounted " + m);
                else {
                    out.println("cannot unmount " + m + ": " + r.stderr().strip() + " (something still uses it: `fuser -vm " + m
                            + "` shows what)");
                    clean = false;
                }
            } catch (IOException e) {
                out.println("cannot unmount " + m + ": " + e.getMessage());
                clean = false;
            }
        }
        Path emu = dir.resolve("emu");
        if (Files.exists(emu.resolve("drbd.conf"))) {
            try {
                CommandResult r = EmulatedPair.open(emu, SandboxLayout.RESOURCE,
                        SandboxLayout.dataNodes().stream().map(SandboxLayout.Node::name).toList(), KERNEL).emu("cleanup");
                if (!r.ok()) {
                    out.println("drbdemu cleanup failed: " + r.summary());
                    clean = false;
                }
            } catch (IOException | RuntimeException e) {
                out.println("drbdemu cleanup failed: " + e.getMessage());
                clean = false;
            }
        }
        clean &= detachLoops(dir, runner, out);
        // net mode: the balancer and every namespace. Only for a sandbox in net mode: the namespaces have fixed
        // names, and a loopback sandbox's down must not take away another sandbox's network
        if (netMode(dir)) clean &= NetSandbox.teardown(dir, out);
        if (!mountedUnder(dir).isEmpty()) {
            out.println("left " + dir + " in place: still mounted under it: " + mountedUnder(dir));
            return false;
        }
        try {
            deleteTree(dir);
            out.println("removed " + dir);
        } catch (IOException e) {
            out.println("cannot remove " + dir + ": " + e.getMessage());
            clean = false;
        }
        return clean;
    }

    /** Loop devices whose backing file lies under dir (left by an interrupted emulator command). */
    private static boolean detachLoops(Path dir, CommandRunner runner, PrintStream out) {
        try {
            CommandResult r = runner.run(CMD_TIMEOUT, List.of("losetup", "--list", "--noheadings", "--raw",
                    "--output", "NAME,BACK-FILE"));
            if (!r.ok()) return true; // no loop devices at all
            boolean ok = true;
            for (String line : r.stdout().split("\n")) {
                int sp = line.indexOf(' ');
                if (sp < 0) continue;
                String back = line.substring(sp + 1).replace("\\x20", " ").replace(" (deleted)", "");
                if (!back.startsWith(dir + "/")) continue;
                String loop = line.substring(0, sp);
                CommandResult d = runner.run(CMD_TIMEOUT, List.of("losetup", "-d", loop));
                out.println(d.ok() ? "detached " + loop + " (" + back + ")" : "cannot detach " + loop + ": " + d.summary());
                ok &= d.ok();
            }
            return ok;
        } catch (IOException e) {
            out.println("cannot list loop devices: " + e.getMessage());
            return false;
        }
    }

    /** Mount points at or below dir, from /proc/self/mountinfo. */
    private static boolean netMode(Path dir) {
        if (Files.exists(dir.resolve("lb.pid"))) return true;
        try {
            return SandboxLayout.load(dir).map(SandboxLayout::netMode).orElse(false);
        } catch (IOException | RuntimeException e) {
            return true; // unreadable: clean up as if it were, rather than leave namespaces behind
        }
    }

    static List<String> mountedUnder(Path dir) {
        List<String> out = new ArrayList<>();
        String d = dir.toAbsolutePath().normalize().toString();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = line.split(" ");
                if (f.length < 5) continue;
                String mp = f[4].replace("\\040", " ");
                if (mp.equals(d) || mp.startsWith(d + "/")) out.add(mp);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/self/mountinfo: " + e.getMessage(), e);
        }
        return out;
    }

    private static void thaw(Path mountpoint) {
        try {
            // "Invalid argument" when not frozen: nothing to do
            new CommandRunner().run(Duration.ofSeconds(10), List.of("fsfreeze", "--unfreeze", mountpoint.toString()));
        } catch (IOException ignored) {
            // the unmount that follows reports what is wrong
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
