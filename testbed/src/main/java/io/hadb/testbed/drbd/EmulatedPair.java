package io.hadb.testbed.drbd;

import io.hadb.agent.drbd.DrbdAdm;
import io.hadb.agent.exec.CommandResult;
import io.hadb.agent.exec.CommandRunner;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Two emulated DRBD nodes on this machine, for tests and benchmarks: a directory with both
 * nodes' backing images, a resource file and the shared emulator state; the environment each
 * node's drbdadm/drbdsetup must run with; and cleanup of every loop device it made.
 *
 * <pre>
 * try (EmulatedPair pair = EmulatedPair.create(tmp, "r0", List.of("node1", "node2"), "9", 32)) {
 *     DrbdAdm node1 = new DrbdAdm(new CommandRunner(), "r0", pair.settings("node1"));
 *     node1.up(); ... mount pair.device("node1") ...
 * }
 * </pre>
 */
public final class EmulatedPair implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Duration FAULT_TIMEOUT = Duration.ofSeconds(90);

    private final Path dir;
    private final String resource;
    private final List<String> nodes;
    private final String kernel;
    private final Path bin;
    private final Map<String, String> extraEnv = new HashMap<>();
    private final CommandRunner runner = new CommandRunner();

    private EmulatedPair(Path dir, String resource, List<String> nodes, String kernel, Path bin) {
        this.dir = dir;
        this.resource = resource;
        this.nodes = List.copyOf(nodes);
        this.kernel = kernel;
        this.bin = bin;
    }

    /**
     * Makes dir/NODE.img (sparse, imageMiB each), dir/drbd.conf and dir/state for a two-node
     * resource whose devices are dir/dev/NODE/drbd1.
     *
     * @param kernel "8.4" (distribution module: no status --json) or "9"
     */
    public static EmulatedPair create(Path dir, String resource, List<String> nodes, String kernel, int imageMiB)
            throws IOException {
        return create(dir, resource, nodes, kernel, imageMiB, "", "  net { protocol C; }\n");
    }

    /**
     * As {@link #create(Path, String, List, String, int)}, with the global section's extra options (e.g.
     * {@code cmd-timeout-long 30;}) and the resource's own sections ({@code net}, {@code disk}, {@code handlers}).
     */
    public static EmulatedPair create(Path dir, String resource, List<String> nodes, String kernel, int imageMiB,
                                      String globalOptions, String resourceSections) throws IOException {
        if (nodes.size() != 2) throw new IllegalArgumentException("the emulator models exactly two nodes");
        Files.createDirectories(dir.resolve("state"));
        for (String n : nodes) {
            try (RandomAccessFile f = new RandomAccessFile(dir.resolve(n + ".img").toFile(), "rw")) {
                f.setLength((long) imageMiB << 20);
            }
        }
        EmulatedPair pair = new EmulatedPair(dir, resource, nodes, kernel, findBin());
        pair.reconfigure(globalOptions, resourceSections);
        return pair;
    }

    /**
     * Rewrites the resource file with other global options and resource sections (the node sections stay):
     * the emulator reads it at every command, as drbdadm does, so this acts like editing drbd.conf and
     * running {@code drbdadm adjust}.
     */
    public void reconfigure(String globalOptions, String resourceSections) throws IOException {
        StringBuilder conf = new StringBuilder("# written by EmulatedPair\nglobal { usage-count no; ")
                .append(globalOptions).append("}\n")
                .append("resource ").append(resource).append(" {\n").append(resourceSections);
        int i = 1;
        for (String n : nodes) {
            conf.append("  on ").append(n).append(" {\n    device ").append(dir.resolve("dev").resolve(n).resolve("drbd1"))
                    .append(";\n    disk ").append(dir.resolve(n + ".img")).append(";\n    address 127.0.0.").append(i++)
                    .append(":7789;\n    meta-disk internal;\n  }\n");
        }
        conf.append("}\n");
        Files.writeString(dir.resolve("drbd.conf"), conf.toString());
    }

    /** The pair that {@link #create} made in dir earlier (e.g. by another process), without touching it. */
    public static EmulatedPair open(Path dir, String resource, List<String> nodes, String kernel) {
        if (nodes.size() != 2) throw new IllegalArgumentException("the emulator models exactly two nodes");
        return new EmulatedPair(dir, resource, nodes, kernel, findBin());
    }

    /** testbed/bin, from the system property hadb.testbed.bin or by walking up from the working directory. */
    static Path findBin() {
        String prop = System.getProperty("hadb.testbed.bin");
        if (prop != null) return Path.of(prop).toAbsolutePath();
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isExecutable(p.resolve("bin/drbdadm")) && Files.exists(p.resolve("bin/drbdemu"))) return p.resolve("bin");
            if (Files.isExecutable(p.resolve("testbed/bin/drbdadm"))) return p.resolve("testbed/bin");
        }
        throw new IllegalStateException("cannot find testbed/bin/drbdadm; set -Dhadb.testbed.bin");
    }

    /** Extra variables for every emulator command (e.g. HADB_EMU_SYNC_MS). */
    public EmulatedPair withEnv(String key, String value) {
        extraEnv.put(key, value);
        return this;
    }

    public Path dir() {
        return dir;
    }

    public String resource() {
        return resource;
    }

    public List<String> nodes() {
        return nodes;
    }

    public Path conf() {
        return dir.resolve("drbd.conf");
    }

    public Path bin() {
        return bin;
    }

    /** The path the node's agent mounts: a symlink the emulator keeps pointing at the node's loop device. */
    public String device(String node) {
        return dir.resolve("dev").resolve(node).resolve("drbd1").toString();
    }

    public Path image(String node) {
        return dir.resolve(node + ".img");
    }

    /**
     * The environment of one emulated node: PATH with testbed/bin first, HADB_EMU_NODE, _DIR, _CONF,
     * _KERNEL, and HADB_EMU_CP (this JVM's class path, so the emulator runs before `mvn package`).
     */
    public Map<String, String> env(String node) {
        Map<String, String> env = new HashMap<>(extraEnv);
        env.put("PATH", bin + ":" + System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"));
        env.put("HADB_EMU_NODE", node);
        env.put("HADB_EMU_DIR", dir.resolve("state").toString());
        env.put("HADB_EMU_CONF", conf().toString());
        env.put("HADB_EMU_KERNEL", kernel);
        // the test's own class path: the emulator then runs before `mvn package` has built the shaded jar
        env.put("HADB_EMU_CP", System.getProperty("hadb.emu.cp", System.getProperty("java.class.path")));
        return env;
    }

    /** Settings for the agent's {@link DrbdAdm} acting as node, pointed at the emulator's executables. */
    public DrbdAdm.Settings settings(String node) {
        return new DrbdAdm.Settings(bin.resolve("drbdadm").toString(), bin.resolve("drbdsetup").toString(),
                Optional.empty(), TIMEOUT, TIMEOUT, env(node));
    }

    /** Runs one emulated tool (drbdadm, drbdsetup) as node. */
    public CommandResult run(String node, String tool, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(bin.resolve(tool).toString());
        cmd.addAll(List.of(args));
        return runner.run(TIMEOUT, cmd, env(node), null);
    }

    /** Fault injection: cut-link RES, restore-link RES, fail-disk NODE RES, node-down NODE. */
    public CommandResult emu(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(bin.resolve("drbdemu").toString());
        cmd.addAll(List.of(args));
        // a fault may freeze a mounted filesystem (FIFREEZE flushes it first) and copy an image: on a loaded
        // machine that once took longer than the usual command timeout
        return runner.run(FAULT_TIMEOUT, cmd, env(nodes.get(0)), null);
    }

    /** Detaches every loop device and removes every symlink and forked image the emulator made. */
    @Override
    public void close() throws IOException {
        CommandResult r = emu("cleanup");
        if (!r.ok()) throw new IOException("emulator cleanup failed: " + r.summary());
    }
}
