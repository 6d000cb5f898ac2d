package io.hadb.agent.mysql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class MysqlConfigTest {
    private static final Path PID = Path.of("/run/hadb/mysqld.pid");

    @Test
    void defaultsAreValid() {
        MysqlConfig c = MysqlConfig.exec(List.of("/usr/sbin/mariadbd"), PID, Path.of("/var/lib/mysql"), null, 3306,
                "hadb", null);
        assertEquals(MysqlMode.EXEC, c.mode());
        assertEquals(DurabilityPolicy.WARN, c.durability());
        assertEquals(3, c.restartLimit());
        MysqlConfig s = MysqlConfig.systemd("mariadb.service", Path.of("/var/lib/mysql"), null, 3306, "hadb", null);
        assertEquals("mariadb.service", s.unit());
    }

    @Test
    void badValuesNameTheirKey() {
        assertKey("mysql.command", () -> MysqlConfig.exec(List.of(), PID, null, null, 3306, "hadb", null));
        assertKey("mysql.pid_file", () -> MysqlConfig.exec(List.of("m"), Path.of("rel.pid"), null, null, 3306, "hadb", null));
        assertKey("mysql.unit", () -> MysqlConfig.systemd("mariadb service; rm", null, null, 3306, "hadb", null));
        assertKey("mysql.port", () -> MysqlConfig.exec(List.of("m"), PID, null, null, 0, "hadb", null));
        assertKey("mysql.user", () -> MysqlConfig.exec(List.of("m"), PID, null, null, 3306, " ", null));
        MysqlConfig ok = MysqlConfig.exec(List.of("m"), PID, null, null, 3306, "hadb", null);
        assertKey("mysql.start_timeout", () -> ok.withTimeouts(Duration.ZERO, Duration.ofSeconds(1)));
        assertKey("mysql.restart_limit", () -> ok.withRestarts(-1, Duration.ofSeconds(1)));
        assertKey("mysql.durability", () -> ok.withDurability(null));
    }

    @Test
    void pidFileIsAddedToTheCommandLineWhenMissing() {
        assertEquals(List.of("mariadbd", "--port=1", "--pid-file=" + PID),
                ExecServer.commandLine(List.of("mariadbd", "--port=1"), PID));
        assertEquals(List.of("mariadbd", "--pid-file=/x.pid"), ExecServer.commandLine(List.of("mariadbd", "--pid-file=/x.pid"), PID));
    }

    @Test
    void mainPidParsing() throws MysqlException {
        assertEquals(1234, SystemdServer.parseMainPid("1234\n"));
        assertEquals(0, SystemdServer.parseMainPid("MainPID=0\n"));
        var ex = assertThrows(MysqlException.class, () -> SystemdServer.parseMainPid("Failed to connect to bus"));
        assertTrue(ex.getMessage().contains("not a pid"), ex.getMessage());
        assertThrows(MysqlException.class, () -> SystemdServer.parseMainPid(""));
    }

    private static void assertKey(String key, Executable e) {
        var ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().startsWith(key), ex.getMessage());
    }
}
