package io.hadb.agent.systemd;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Type=notify for hadb-agent: READY=1 once joined, STATUS= with role and master on every change, WATCHDOG=1
 * every half WATCHDOG_USEC — but only while the agent's event loop answers its status, so a stuck loop gets the
 * agent restarted by systemd instead of a master that no longer renews its lease looking alive.
 */
public final class SystemdNotifier implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("hadb.agent");
    private static final ObjectMapper JSON = new ObjectMapper();
    static final long POLL_MS = 1000;

    private final SdNotify sd;
    private final Supplier<CompletableFuture<String>> status;
    private final Readiness readiness;
    private final long watchdogNanos;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "systemd-notify");
        t.setDaemon(true);
        return t;
    });
    private volatile long lastAnswer = System.nanoTime();
    private volatile boolean warned;

    SystemdNotifier(SdNotify sd, Supplier<CompletableFuture<String>> status, long watchdogUsec, long joinGraceMs) {
        this.sd = sd;
        this.status = status;
        this.readiness = new Readiness(System.nanoTime(), joinGraceMs);
        this.watchdogNanos = watchdogUsec * 1000L;
    }

    /**
     * Starts notifying when systemd asked for it (NOTIFY_SOCKET set); the watchdog when WATCHDOG_USEC is set
     * for this process (WATCHDOG_PID absent or ours).
     */
    public static Optional<SystemdNotifier> start(Supplier<CompletableFuture<String>> status, long joinGraceMs) {
        Optional<SdNotify> sd;
        try {
            sd = SdNotify.fromEnvironment();
        } catch (IllegalArgumentException e) {
            LOG.warning("systemd notification disabled: " + e.getMessage());
            return Optional.empty();
        }
        if (sd.isEmpty()) return Optional.empty();
        long usec = watchdogUsec(System.getenv("WATCHDOG_USEC"), System.getenv("WATCHDOG_PID"), ProcessHandle.current().pid());
        SystemdNotifier n = new SystemdNotifier(sd.get(), status, usec, joinGraceMs);
        n.begin();
        LOG.info("systemd notification on " + sd.get().target() + (usec > 0 ? ", watchdog every " + usec / 2000 + " ms" : ""));
        return Optional.of(n);
    }

    /** WATCHDOG_USEC when it is meant for this process, else 0. */
    static long watchdogUsec(String usec, String pid, long self) {
        if (usec == null || usec.isBlank()) return 0;
        if (pid != null && !pid.isBlank() && !pid.trim().equals(Long.toString(self))) return 0;
        try {
            long v = Long.parseLong(usec.trim());
            return v > 0 ? v : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    void begin() {
        timer.scheduleWithFixedDelay(this::poll, 0, POLL_MS, TimeUnit.MILLISECONDS);
        if (watchdogNanos > 0) timer.scheduleAtFixedRate(this::watchdog, 0, watchdogNanos / 2, TimeUnit.NANOSECONDS);
    }

    private void poll() {
        try {
            String s = status.get().get(POLL_MS, TimeUnit.MILLISECONDS);
            lastAnswer = System.nanoTime();
            for (String n : readiness.update(JSON.readTree(s), System.nanoTime())) send(n);
        } catch (Exception e) {
            // no answer: the watchdog sees it through lastAnswer
        }
    }

    private void watchdog() {
        if (System.nanoTime() - lastAnswer < watchdogNanos / 2 + POLL_MS * 1_000_000L) send("WATCHDOG=1");
        else LOG.warning("the agent's event loop has not answered for " + (System.nanoTime() - lastAnswer) / 1_000_000
                + " ms: not petting systemd's watchdog");
    }

    /** STOPPING=1 with a reason, before a shutdown (a hand-over may take a while). */
    public void stopping(String why) {
        send("STOPPING=1\nSTATUS=" + why);
    }

    /** A status line outside the usual changes (e.g. during shutdown). */
    public void status(String text) {
        send("STATUS=" + text);
    }

    private void send(String n) {
        try {
            sd.send(n);
            warned = false;
        } catch (IOException e) {
            if (!warned) LOG.warning(e.getMessage());
            warned = true;
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        sd.close();
    }
}
