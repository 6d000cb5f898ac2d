package io.hadb.agent.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SdNotifyTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void sendsToAPathSocket() throws IOException {
        String path = dir.resolve("notify").toString();
        try (DatagramReceiver r = new DatagramReceiver(path); SdNotify n = SdNotify.of(path).orElseThrow()) {
            n.send("READY=1\nSTATUS=master");
            assertEquals("READY=1\nSTATUS=master", r.receive(2000));
            n.send("WATCHDOG=1");
            assertEquals("WATCHDOG=1", r.receive(2000));
        }
    }

    @Test
    void sendsToAnAbstractSocket() throws IOException {
        String name = "@hadb-sdnotify-test-" + ProcessHandle.current().pid();
        try (DatagramReceiver r = new DatagramReceiver(name); SdNotify n = SdNotify.of(name).orElseThrow()) {
            n.send("STATUS=replica");
            assertEquals("STATUS=replica", r.receive(2000));
        }
        // the abstract name has no file
        assertFalse(Files.exists(Path.of(name)));
    }

    @Test
    void noListenerIsAnIOExceptionNotACrash() {
        SdNotify n = SdNotify.of(dir.resolve("nobody-listens").toString()).orElseThrow();
        IOException e = assertThrows(IOException.class, () -> n.send("READY=1"));
        assertTrue(e.getMessage().contains("No such file"), e.getMessage());
        n.close();
    }

    @Test
    void aFullQueueFailsAtOnceInsteadOfBlocking() throws IOException {
        String path = dir.resolve("full").toString();
        try (DatagramReceiver r = new DatagramReceiver(path); SdNotify n = SdNotify.of(path).orElseThrow()) {
            IOException full = null;
            for (int i = 0; i < 100_000 && full == null; i++) {
                try {
                    n.send("WATCHDOG=1");
                } catch (IOException e) {
                    full = e;
                }
            }
            assertTrue(full != null && full.getMessage().contains("unavailable"), String.valueOf(full));
            assertEquals("WATCHDOG=1", r.receive(1000), "what was queued is still delivered");
        }
    }

    @Test
    void environmentValues() {
        assertEquals(Optional.empty(), SdNotify.of(null));
        assertEquals(Optional.empty(), SdNotify.of(""));
        assertThrows(IllegalArgumentException.class, () -> SdNotify.of("relative/path"));
        assertThrows(IllegalArgumentException.class, () -> SdNotify.of("/" + "x".repeat(200)));
        byte[] a = SdNotify.sockaddr("@ab");
        assertEquals(2 + 3, a.length, "abstract: family + NUL + name, no terminator");
        assertEquals(0, a[2]);
        assertEquals(2 + 3 + 1, SdNotify.sockaddr("/ab").length, "path: family + path + NUL");
        assertEquals(4_000_000, SystemdNotifier.watchdogUsec("4000000", null, 7));
        assertEquals(4_000_000, SystemdNotifier.watchdogUsec("4000000", "7", 7));
        assertEquals(0, SystemdNotifier.watchdogUsec("4000000", "8", 7), "another process's watchdog");
        assertEquals(0, SystemdNotifier.watchdogUsec("garbage", null, 7));
        assertEquals(0, SystemdNotifier.watchdogUsec(null, null, 7));
    }

    @Test
    void readyOnQuorumThenStatusOnlyOnChange() throws IOException {
        Readiness r = new Readiness(0, 10_000);
        assertEquals(List.of(), r.update(status("follower", null, false, 1), 1_000_000L), "no quorum, in grace");
        List<String> first = r.update(status("follower", "hadb02", true, 2), 2_000_000L);
        assertEquals(List.of("READY=1\nSTATUS=follower; master hadb02; term 2; quorate"), first);
        assertEquals(List.of(), r.update(status("follower", "hadb02", true, 2), 3_000_000L), "nothing changed");
        assertEquals(List.of("STATUS=master (serving); master hadb01; term 3; quorate"),
                r.update(statusServing("master", "hadb01", 3), 4_000_000L));
    }

    @Test
    void readyAfterTheGraceWithoutQuorum() throws IOException {
        Readiness r = new Readiness(0, 100);
        assertEquals(List.of(), r.update(status("follower", null, false, 0), 50_000_000L));
        List<String> n = r.update(status("follower", null, false, 0), 150_000_000L);
        assertEquals(1, n.size());
        assertTrue(n.get(0).startsWith("READY=1\n") && n.get(0).contains("NO QUORUM"), n.get(0));
    }

    @Test
    void watchdogOnlyWhileTheLoopAnswers() throws Exception {
        String path = dir.resolve("wd").toString();
        AtomicReference<CompletableFuture<String>> answer = new AtomicReference<>(
                CompletableFuture.completedFuture(status("master", "hadb01", true, 1).toString()));
        try (DatagramReceiver r = new DatagramReceiver(path)) {
            SystemdNotifier n = new SystemdNotifier(SdNotify.of(path).orElseThrow(), answer::get, 400_000, 1000);
            try {
                n.begin();
                boolean ready = false, watchdog = false;
                for (int i = 0; i < 20 && !(ready && watchdog); i++) {
                    String m = r.receive(1000);
                    if (m == null) continue;
                    ready |= m.startsWith("READY=1");
                    watchdog |= m.equals("WATCHDOG=1");
                }
                assertTrue(ready, "READY=1 sent");
                assertTrue(watchdog, "WATCHDOG=1 sent");
                // the loop stops answering: after a poll period and a watchdog half-period, no more WATCHDOG=1
                answer.set(new CompletableFuture<>());
                Thread.sleep(SystemdNotifier.POLL_MS * 3);
                while (r.receive(50) != null) { /* drain */ }
                String late = r.receive(1000);
                assertEquals(null, late, "watchdog petted while the event loop does not answer");
            } finally {
                n.close();
            }
        }
    }

    private static JsonNode status(String role, String leader, boolean quorate, long term) throws IOException {
        return JSON.readTree("{\"node\":\"hadb01\",\"role\":\"" + role + "\",\"leader\":"
                + (leader == null ? "null" : "\"" + leader + "\"") + ",\"quorate\":" + quorate + ",\"term\":" + term
                + ",\"serving\":false,\"record\":{\"maintenance\":false}}");
    }

    private static JsonNode statusServing(String role, String leader, long term) throws IOException {
        return JSON.readTree("{\"node\":\"hadb01\",\"role\":\"" + role + "\",\"leader\":\"" + leader
                + "\",\"quorate\":true,\"term\":" + term + ",\"serving\":true,\"record\":{\"maintenance\":false}}");
    }
}
