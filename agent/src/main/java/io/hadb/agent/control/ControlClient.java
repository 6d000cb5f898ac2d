package io.hadb.agent.control;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** A connection to an agent's control socket: send a line, read the answer line. Used by agentctl and tests. */
public final class ControlClient implements AutoCloseable {
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "control-client-timeout");
        t.setDaemon(true);
        return t;
    });

    private final SocketChannel ch;
    private final BufferedReader in;
    private final OutputStream out;

    public ControlClient(Path socket) throws IOException {
        ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
        out = Channels.newOutputStream(ch);
    }

    public String ask(String line) throws IOException {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        String answer = in.readLine();
        if (answer == null) throw new IOException("agent closed the control connection");
        return answer;
    }

    /**
     * As {@link #ask(String)}, giving up after {@code timeout}: the connection is then closed and a
     * {@link java.io.InterruptedIOException} thrown. A blocking channel has no read timeout of its own.
     */
    public String ask(String line, Duration timeout) throws IOException {
        // set before the close, so the reader woken by the close knows why (the task may not be done yet)
        java.util.concurrent.atomic.AtomicBoolean timedOut = new java.util.concurrent.atomic.AtomicBoolean();
        ScheduledFuture<?> cut = TIMER.schedule(() -> {
            timedOut.set(true);
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing is all we want
            }
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        try {
            return ask(line);
        } catch (IOException e) {
            if (timedOut.get()) throw new java.io.InterruptedIOException("no answer within " + timeout.toMillis() + " ms");
            throw e;
        } finally {
            cut.cancel(false);
        }
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
