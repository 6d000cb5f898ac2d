package io.hadb.agent.drbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DrbdEventsStreamTest {
    @TempDir
    Path tmp;

    private static void await(String what, java.util.function.BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(10);
        }
    }

    @Test
    void feedDeliversOnlyAfterTheDumpAndSurvivesGarbage() {
        Events2Feed feed = new Events2Feed("r0");
        List<String> dump = Samples.steps("commands-primary.hadb01.txt").stream()
                .filter(s -> s.command().startsWith("drbdsetup events2")).findFirst().orElseThrow().output().lines().toList();
        for (String l : dump.subList(0, dump.size() - 1)) assertTrue(feed.line(l).isEmpty(), "nothing before the dump ends");
        assertTrue(feed.line("@@garbage@@").isEmpty());
        DrbdResourceState s = feed.line(dump.get(dump.size() - 1)).orElseThrow();
        assertTrue(s.healthyPair());
        assertEquals(1, feed.malformedLines());
        assertTrue(feed.line("change resource name:r0 role:Secondary").isPresent());
        feed.restart();
        for (String l : dump.subList(0, dump.size() - 1)) assertTrue(feed.line(l).isEmpty());
        assertEquals(DrbdRole.PRIMARY, feed.line("exists -").orElseThrow().role(), "the re-synced dump differs: delivered");
        feed.restart();
        for (String l : dump) assertTrue(feed.line(l).isEmpty(), "an identical dump after a restart is not news");
    }

    @Test
    void streamDeliversRestartsWhenTheProcessDiesAndStops() throws Exception {
        // replays hadb01's recorded stream (with one garbage line), then dies; the second run stays alive
        Path recording = Samples.dir().resolve("scenario-events2-live.hadb01.txt");
        Path script = tmp.resolve("drbdsetup");
        Files.writeString(script, """
                #!/bin/bash
                d=$(dirname "$0")
                n=$(cat "$d/runs" 2>/dev/null || echo 0); echo $((n+1)) > "$d/runs"
                head -n 20 "%s"
                echo "this is not an events2 line"
                if [[ $n -ge 1 ]]; then echo $$ > "$d/live.pid"; exec sleep 300; fi
                exit 3
                """.formatted(recording));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<DrbdResourceState> got = new CopyOnWriteArrayList<>();
        DrbdEventsStream stream = new DrbdEventsStream("r0", DrbdEventsStream.command(script.toString(), "r0"), Map.of(),
                got::add, Duration.ofMillis(50), Duration.ofMillis(200), Duration.ofSeconds(5));
        assertNull(stream.current());
        try {
            stream.start();
            await("second process", () -> Files.exists(tmp.resolve("live.pid")));
            await("state", () -> stream.current() != null && stream.current().replication() == DrbdReplicationState.SYNC_TARGET);
            assertTrue(stream.processStarts() >= 2);
            // the reader may still be behind the second process's output: wait for it, do not race it
            await("garbage counted, not thrown", () -> stream.malformedLines() >= 2);
            assertFalse(got.isEmpty());
            assertFalse(got.get(0).exists(), "the first delivered state is the empty dump");
            assertEquals(DrbdReplicationState.SYNC_TARGET, got.get(got.size() - 1).replication());
            long pid = Long.parseLong(Files.readString(tmp.resolve("live.pid")).strip());
            stream.stop();
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "stop() kills events2");
        } finally {
            stream.stop();
        }
    }

    @Test
    void aStreamThatNeverDumpsIsKilledAndRestarted() throws Exception {
        Path script = tmp.resolve("silent");
        Files.writeString(script, "#!/bin/bash\necho x >> \"$(dirname \"$0\")/starts\"\nexec sleep 300\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        DrbdEventsStream stream = new DrbdEventsStream("r0", List.of(script.toString()), Map.of(), s -> { },
                Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(300));
        try {
            stream.start();
            await("restart after dump timeout", () -> stream.processStarts() >= 2);
        } finally {
            stream.stop();
        }
        assertNull(stream.current());
    }
}
