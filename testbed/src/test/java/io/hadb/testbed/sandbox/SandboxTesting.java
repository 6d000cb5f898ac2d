package io.hadb.testbed.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.hadb.agent.exec.CommandRunner;
import io.hadb.testbed.agents.Launchers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;

/** A sandbox for tests: in a short temporary directory, on ports away from a developer's sandbox (never 3306). */
final class SandboxTesting {
    private SandboxTesting() {
    }

    static Path repoRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent())
            if (Files.isDirectory(p.resolve("testbed/bin")) && Files.isDirectory(p.resolve("packaging/bin"))) return p;
        throw new IllegalStateException("cannot find the repository root from " + Path.of("").toAbsolutePath());
    }

    /** A directory path that does not exist yet (up claims it); short, for the Unix sockets under it. */
    static Path freshDir(String tag) throws IOException {
        Path parent = Files.createTempDirectory("hadb-sb-" + tag);
        return parent.resolve("s");
    }

    /** Agents run as java with this JVM's class path, so the tests need no shaded jar. */
    static Sandbox sandbox(Path dir, int basePort, PrintStream out) {
        SandboxLayout l = new SandboxLayout(dir, repoRoot(), basePort, basePort + 1, basePort + 2, basePort + 3, true);
        return new Sandbox(l, Launchers.classPath(), out);
    }

    static PrintStream tee(ByteArrayOutputStream buf) {
        return new PrintStream(new java.io.OutputStream() {
            @Override
            public void write(int b) {
                buf.write(b);
                System.out.write(b);
            }
        }, true);
    }

    /** Nothing of the sandbox is left: no process of its groups, no mount, no loop device, no directory. */
    static void assertNothingLeft(Path dir, Collection<Long> pgids) throws IOException {
        for (long g : pgids) assertEquals(List.of(), ProcessGroups.members(g), "processes of group " + g + " left");
        assertEquals(List.of(), Sandbox.mountedUnder(dir), "mounts left under " + dir);
        String loops = new CommandRunner().run(Duration.ofSeconds(10), List.of("losetup", "--list", "--noheadings",
                "--raw", "--output", "NAME,BACK-FILE")).stdout();
        assertFalse(loops.contains(dir.toString()), "loop devices left: " + loops);
        assertFalse(Files.exists(dir), dir + " still exists");
    }

    /** Cleanup in finally, failed test or not: down, then the temporary parent. */
    static void downQuietly(Path dir) {
        if (Sandbox.down(dir, System.out)) {
            try {
                Files.deleteIfExists(dir.getParent());
            } catch (IOException ignored) {
                // a leftover empty temp dir is harmless
            }
        }
    }
}
