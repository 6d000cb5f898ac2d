package io.hadb.agent.mysql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadb.agent.exec.CommandRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * systemd mode's failure paths against a stand-in systemctl: the test machines do not run systemd
 * as PID 1, so a real unit cannot be started here. The stand-in records its arguments and answers
 * each subcommand as the test scripts it. It is given by path: Java resolves a command through the
 * parent's PATH, never the child's environment.
 */
class SystemdModeTest {
    @TempDir
    Path tmp;

    private String systemctl() {
        return tmp.resolve("bin/systemctl").toString();
    }

    private CommandRunner fakeSystemctl(String start, String show, String stop, String kill) throws IOException {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path script = bin.resolve("systemctl");
        Files.writeString(script, "#!/bin/sh\n"
                + "echo \"$*\" >> " + tmp.resolve("calls") + "\n"
                + "case \"$1\" in\n"
                + "  start) " + start + " ;;\n"
                + "  show) " + show + " ;;\n"
                + "  stop) " + stop + " ;;\n"
                + "  kill) " + kill + " ;;\n"
                + "  *) echo \"unexpected $1\" >&2; exit 2 ;;\n"
                + "esac\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return new CommandRunner();
    }

    private MysqlConfig config() {
        return MysqlConfig.systemd("mariadb.service", tmp.resolve("data"), null, 33069, "hadb", null)
                .withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(1));
    }

    private List<String> calls() throws IOException {
        return Files.exists(tmp.resolve("calls")) ? Files.readAllLines(tmp.resolve("calls")) : List.of();
    }

    @Test
    void aFailedStartCarriesSystemctlsMessage() throws Exception {
        CommandRunner r = fakeSystemctl("echo 'Job for mariadb.service failed because the control process exited"
                + " with error code.' >&2; exit 1", "echo 0", "exit 0", "exit 0");
        try (MysqlDriver d = new MysqlDriver(config(), r, systemctl())) {
            var ex = assertThrows(MysqlException.class, d::start);
            assertTrue(ex.getMessage().contains("systemctl start mariadb.service failed"), ex.getMessage());
            assertTrue(ex.getMessage().contains("Job for mariadb.service failed"), ex.getMessage());
        }
        assertEquals("start mariadb.service", calls().get(0));
    }

    @Test
    void aHangingStartIsCutOffByTheStartTimeout() throws Exception {
        CommandRunner r = fakeSystemctl("sleep 30", "echo 0", "exit 0", "exit 0");
        try (MysqlDriver d = new MysqlDriver(config(), r, systemctl())) {
            var ex = assertThrows(MysqlException.class, d::start);
            assertTrue(ex.getMessage().contains("did not finish within 1000 ms"), ex.getMessage());
        }
    }

    @Test
    void garbageFromShowIsATypedError() throws Exception {
        CommandRunner r = fakeSystemctl("exit 0", "echo 'Failed to connect to bus: No such file or directory'",
                "exit 0", "exit 0");
        try (MysqlDriver d = new MysqlDriver(config(), r, systemctl())) {
            var ex = assertThrows(MysqlException.class, d::start);
            assertTrue(ex.getMessage().contains("not a pid"), ex.getMessage());
        }
        CommandRunner none = fakeSystemctl("exit 0", "echo 0", "exit 0", "exit 0");
        try (MysqlDriver d = new MysqlDriver(config(), none, systemctl())) {
            var ex = assertThrows(MysqlException.class, d::start);
            assertTrue(ex.getMessage().contains("has no main process"), ex.getMessage());
        }
    }

    @Test
    void aHangingStopIsFollowedBySigkillThroughSystemctl() throws Exception {
        CommandRunner r = fakeSystemctl("exit 0", "echo 0", "sleep 30", "exit 0");
        new SystemdServer(config(), r, systemctl()).stop(Duration.ofMillis(500));
        assertEquals(List.of("stop mariadb.service", "kill --signal=SIGKILL mariadb.service"), calls());
    }

    @Test
    void aFailedStopAndAFailedKillAreReported() throws Exception {
        CommandRunner r = fakeSystemctl("exit 0", "echo 0", "echo 'Unit mariadb.service not loaded.' >&2; exit 5",
                "echo 'Failed to kill unit' >&2; exit 1");
        var ex = assertThrows(MysqlException.class, () -> new SystemdServer(config(), r, systemctl()).stop(Duration.ofSeconds(1)));
        assertTrue(ex.getMessage().contains("not loaded"), ex.getMessage());
        assertTrue(ex.getMessage().contains("Failed to kill unit"), ex.getMessage());
    }
}
