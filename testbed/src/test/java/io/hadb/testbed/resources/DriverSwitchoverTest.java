package io.hadb.testbed.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadb.agent.drbd.DrbdCommandException;
import io.hadb.agent.drbd.DrbdDiskState;
import io.hadb.agent.drbd.DrbdResourceState;
import io.hadb.agent.drbd.DrbdRole;
import io.hadb.agent.exec.CommandResult;
import io.hadb.agent.exec.CommandRunner;
import io.hadb.agent.fs.FilesystemDriver;
import io.hadb.agent.fs.MountOptions;
import io.hadb.agent.mysql.MysqlDriver;
import io.hadb.testbed.drbd.EmulatedPair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 3 item 5, last part: a real mariadbd on real ext4 over two emulated DRBD nodes, moved from
 * node1 to node2 through the agent's drivers alone; and an outdated copy that lacks later commits
 * and cannot be promoted.
 */
class DriverSwitchoverTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int ROWS = 10_000;

    @TempDir
    Path tmp;
    private final CommandRunner runner = new CommandRunner();

    private EmulatedPair pair() throws Exception {
        return EmulatedPair.create(tmp.resolve("emu"), "r0", List.of("node1", "node2"), "8.4", 128)
                .withEnv("HADB_EMU_SYNC_MS", "200");
    }

    private void sh(String... cmd) throws Exception {
        CommandResult r = runner.run(Duration.ofSeconds(60), List.of(cmd));
        if (!r.ok()) throw new AssertionError(r.summary() + " " + r.stdout());
    }

    /** node1 Primary over a synced pair, ext4 made and mounted, a fresh datadir, mariadbd healthy. */
    private void bringUpOnNode1(EmulatedDbNode n1, EmulatedDbNode n2) throws Exception {
        n1.drbd().up();
        n2.drbd().up();
        n1.drbd().primaryForce();
        n2.await("initial sync", DrbdResourceState::healthyPair, WAIT);
        sh("mkfs.ext4", "-q", "-F", n1.device().toString());
        n1.mount();
        n1.initializeDatadir();
        assertTrue(n1.mysql().start().healthy());
        try (Connection c = n1.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE app");
            st.execute("CREATE TABLE app.t (id INT PRIMARY KEY, val BIGINT NOT NULL, txt VARCHAR(64) NOT NULL) ENGINE=InnoDB");
        }
    }

    private static long val(int id) {
        return (id * 7919L) % 1_000_003L;
    }

    private static String txt(int id) {
        return "row-" + id + "-" + Long.toHexString(val(id) * 31 + id);
    }

    /** Inserts ids from..to (inclusive) in transactions of 1,000 rows, each committed. */
    private static void insert(Connection c, int from, int to) throws Exception {
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO app.t (id, val, txt) VALUES (?, ?, ?)")) {
            for (int id = from; id <= to; id++) {
                ps.setInt(1, id);
                ps.setLong(2, val(id));
                ps.setString(3, txt(id));
                ps.addBatch();
                if ((id - from + 1) % 1000 == 0 || id == to) {
                    ps.executeBatch();
                    c.commit();
                }
            }
        }
        c.setAutoCommit(true);
    }

    /** count, sum(val), sum(crc32(txt)) as the database sees them. */
    private static long[] digest(Connection c) throws Exception {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*), COALESCE(SUM(val),0), COALESCE(SUM(CRC32(txt)),0), COALESCE(MAX(id),0) FROM app.t")) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)};
        }
    }

    /** The same digest computed here for ids 1..n. */
    private static long[] expected(int n) {
        long sum = 0;
        long crc = 0;
        for (int id = 1; id <= n; id++) {
            sum += val(id);
            CRC32 c = new CRC32();
            c.update(txt(id).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            crc += c.getValue();
        }
        return new long[] {n, sum, crc, n};
    }

    @Test
    void tenThousandRowsWrittenOnNode1AreAllReadOnNode2AfterADriverOnlySwitchover() throws Exception {
        EmulatedPair pair = pair();
        List<Integer> ports = new ArrayList<>();
        ports.add(EmulatedDbNode.freePort(33071, 33079, ports));
        ports.add(EmulatedDbNode.freePort(33071, 33079, ports));
        EmulatedDbNode n1 = EmulatedDbNode.create(pair, "node1", tmp, ports.get(0));
        EmulatedDbNode n2 = EmulatedDbNode.create(pair, "node2", tmp, ports.get(1));
        try {
            bringUpOnNode1(n1, n2);
            try (Connection c = n1.connect()) {
                insert(c, 1, ROWS);
                assertEquals(List.of(expected(ROWS)[0], expected(ROWS)[1], expected(ROWS)[2]),
                        List.of(digest(c)[0], digest(c)[1], digest(c)[2]));
            }
            // switchover, drivers only: mysqld stopped, unmounted, Secondary; then Primary, mounted, started
            n1.mysql().stop();
            n1.unmount();
            n1.drbd().secondary();
            n2.drbd().primary();
            assertEquals(DrbdRole.PRIMARY, n2.drbd().role().local());
            assertEquals(DrbdRole.SECONDARY, n2.drbd().role().peer());
            n2.mount();
            assertTrue(n2.mysql().start().healthy());
            try (Connection c = n2.connect()) {
                long[] d = digest(c);
                long[] e = expected(ROWS);
                assertEquals(e[0], d[0], "row count on node2");
                assertEquals(e[1], d[1], "sum(val) on node2");
                assertEquals(e[2], d[2], "sum(crc32(txt)) on node2");
                assertEquals(e[3], d[3], "max(id) on node2");
            }
            n2.mysql().stop();
            n2.unmount();
            n2.drbd().secondary();
            assertEquals(DrbdRole.SECONDARY, n2.drbd().role().local());
            assertTrue(n2.drbd().status().healthyPair(), n2.drbd().status().summary());
        } finally {
            n1.cleanup();
            n2.cleanup();
            pair.close();
        }
    }

    @Test
    void outdatedNode2LacksCommitsMadeAfterTheCutAndCannotBePromoted() throws Exception {
        EmulatedPair pair = pair();
        List<Integer> ports = new ArrayList<>();
        ports.add(EmulatedDbNode.freePort(33071, 33079, ports));
        ports.add(EmulatedDbNode.freePort(33071, 33079, ports));
        ports.add(EmulatedDbNode.freePort(33071, 33079, ports));
        EmulatedDbNode n1 = EmulatedDbNode.create(pair, "node1", tmp, ports.get(0));
        EmulatedDbNode n2 = EmulatedDbNode.create(pair, "node2", tmp, ports.get(1));
        Path copyImage = tmp.resolve("node2-copy.img");
        Path copyMount = tmp.resolve("copy-mnt");
        Files.createDirectories(copyMount);
        FilesystemDriver fs = new FilesystemDriver("ext4", MountOptions.parse("noatime"));
        String loop = null;
        MysqlDriver copyDb = null;
        final int before = 3000;
        final int after = 1500;
        try {
            bringUpOnNode1(n1, n2);
            try (Connection c = n1.connect()) {
                insert(c, 1, before);
            }
            CommandResult cut = pair.emu("cut-link", "r0");
            assertTrue(cut.ok(), cut.summary());
            n2.await("link loss on node2", s -> !s.connected(), WAIT);
            try (Connection c = n1.connect()) {
                insert(c, before + 1, before + after);
                assertEquals(before + after, digest(c)[0], "node1 committed the rows written after the cut");
            }
            n2.drbd().outdate();
            assertEquals(DrbdDiskState.OUTDATED, n2.drbd().status().disk());
            DrbdCommandException refused = assertThrows(DrbdCommandException.class, () -> n2.drbd().primary());
            assertEquals(DrbdCommandException.Kind.NO_UP_TO_DATE_DATA, refused.kind(), refused.getMessage());
            assertEquals(DrbdRole.SECONDARY, n2.drbd().role().local());

            // node2's copy as it is on its (read-only) device, copied, mounted and opened by a server of its own
            Files.copy(n2.device().toRealPath(), copyImage, StandardCopyOption.REPLACE_EXISTING);
            CommandResult attach = runner.run(Duration.ofSeconds(30), List.of("losetup", "-f", "--show", copyImage.toString()));
            assertTrue(attach.ok(), attach.summary());
            loop = attach.stdout().strip();
            fs.mount(Path.of(loop), copyMount);
            copyDb = new MysqlDriver(EmulatedDbNode.config(copyMount.resolve("data"), tmp.resolve("copy"), ports.get(2), "copy"), runner);
            assertTrue(copyDb.start().healthy());
            try (Connection c = EmulatedDbNode.connect(ports.get(2))) {
                long[] d = digest(c);
                long[] e = expected(before);
                assertEquals(e[0], d[0], "node2's outdated copy has exactly the rows committed before the cut");
                assertEquals(e[1], d[1]);
                assertEquals(e[2], d[2]);
                assertEquals(e[3], d[3], "no row written after the cut");
            }
        } finally {
            if (copyDb != null) {
                try {
                    copyDb.stop();
                } catch (Exception e) {
                    copyDb.pid().ifPresent(p -> io.hadb.agent.os.ProcessSignals.signal(p, 9));
                }
                copyDb.close();
            }
            if (fs.mountedAt(copyMount).isPresent()) fs.unmount(Path.of(loop), copyMount, Duration.ofSeconds(5));
            if (loop != null) runner.run(Duration.ofSeconds(30), List.of("losetup", "-d", loop));
            n1.cleanup();
            n2.cleanup();
            pair.close();
        }
    }
}
