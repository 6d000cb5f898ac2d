package io.hadb.agent.mysql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pid file on the replicated filesystem may have been written by the other node's server: a process is
 * adopted only when it is a mysqld/mariadbd working in this server's datadir.
 */
class ExecServerPidFileTest {
    @TempDir
    Path tmp;

    @Test
    void adoptsOnlyAServerWorkingInItsOwnDatadir() throws Exception {
        Path ours = Files.createDirectories(tmp.resolve("ours"));
        Path theirs = Files.createDirectories(tmp.resolve("theirs"));
        // a process named mariadbd (comm is the executable's name) that does nothing, in the other datadir
        Path fake = tmp.resolve("mariadbd");
        Files.copy(Path.of("/bin/sleep"), fake, StandardCopyOption.COPY_ATTRIBUTES);
        Process p = new ProcessBuilder(fake.toString(), "60").directory(theirs.toFile()).start();
        try {
            Path pidFile = tmp.resolve("mysqld.pid");
            Files.writeString(pidFile, p.pid() + "\n");
            assertEquals(Optional.of(p.pid()), ExecServer.fromPidFile(pidFile, null).map(ProcessHandle::pid),
                    "without a datadir any mariadbd named by the file counts");
            assertTrue(ExecServer.fromPidFile(pidFile, ours).isEmpty(), "a server working elsewhere is not ours");
            assertEquals(Optional.of(p.pid()), ExecServer.fromPidFile(pidFile, theirs).map(ProcessHandle::pid),
                    "a server working in the datadir is adopted");
            assertTrue(ExecServer.fromPidFile(pidFile, tmp.resolve("missing")).isEmpty(), "no datadir here: not ours");
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
