package io.hadb.agent.exec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs an external command with a hard timeout. Every external command hadb runs goes through
 * here, so that none can hang the agent: on timeout the process and all its descendants are
 * killed and {@link CommandTimeoutException} is thrown.
 */
public class CommandRunner {
    private final Map<String, String> extraEnv;

    public CommandRunner() {
        this(Map.of());
    }

    /** @param extraEnv variables added to every command's environment (e.g. PATH for tests) */
    public CommandRunner(Map<String, String> extraEnv) {
        this.extraEnv = Map.copyOf(extraEnv);
    }

    public CommandResult run(Duration timeout, List<String> command) throws IOException {
        return run(timeout, command, Map.of(), null);
    }

    public CommandResult run(Duration timeout, List<String> command, Map<String, String> env, byte[] stdin)
            throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(extraEnv);
        pb.environment().putAll(env);
        if (stdin == null) pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        long start = System.nanoTime();
        Process p = pb.start();
        Drain out = new Drain(p.getInputStream());
        Drain err = new Drain(p.getErrorStream());
        out.start();
        err.start();
        if (stdin != null) {
            try (var os = p.getOutputStream()) {
                os.write(stdin);
            } catch (IOException ignored) {
                // the command may exit without reading its input; its exit code tells
            }
        }
        boolean done;
        try {
            done = p.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            killTree(p);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + String.join(" ", command), e);
        }
        if (!done) {
            killTree(p);
            joinQuietly(out, 200);
            joinQuietly(err, 200);
            throw new CommandTimeoutException(command, timeout, out.text() + err.text());
        }
        joinQuietly(out, 1000);
        joinQuietly(err, 1000);
        return new CommandResult(List.copyOf(command), p.exitValue(), out.text(), err.text(),
                Duration.ofNanos(System.nanoTime() - start));
    }

    private static void joinQuietly(Thread t, long millis) {
        try {
            t.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Kills a process and all its descendants at once, and waits briefly for it to be gone. */
    public static void killTree(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Reads a stream to the end on its own thread so a chatty command never blocks on a full pipe. */
    private static final class Drain extends Thread {
        private final InputStream in;
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

        Drain(InputStream in) {
            super("cmd-drain");
            setDaemon(true);
            this.in = in;
        }

        @Override
        public void run() {
            byte[] b = new byte[8192];
            try {
                int n;
                while ((n = in.read(b)) >= 0) {
                    synchronized (buf) {
                        buf.write(b, 0, n);
                    }
                }
            } catch (IOException ignored) {
                // stream closed when the process was killed
            }
        }

        String text() {
            synchronized (buf) {
                return buf.toString(StandardCharsets.UTF_8);
            }
        }
    }
}
