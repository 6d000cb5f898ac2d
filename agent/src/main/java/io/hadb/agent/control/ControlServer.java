package io.hadb.agent.control;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hadb.agent.Agent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The local control socket (Unix domain, mode 0660): one command per line, one JSON line per answer, many
 * commands per connection. Runs on its own small threads; every question is handed to the agent's event
 * loop, so the protocol stays single-threaded.
 */
public final class ControlServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("hadb.control");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_CLIENTS = 16;
    private static final int MAX_LINE = 1024;
    /** Longer than the protocol's own answer deadline for a forwarded intent. */
    private static final long INTENT_TIMEOUT_S = 60;

    private final Agent agent;
    private final Path path;
    private final ServerSocketChannel server;
    private final Semaphore clients = new Semaphore(MAX_CLIENTS);
    private volatile boolean closed;

    private ControlServer(Agent agent, Path path, ServerSocketChannel server) {
        this.agent = agent;
        this.path = path;
        this.server = server;
    }

    public static ControlServer start(Agent agent, Path path) throws IOException {
        Files.deleteIfExists(path); // a stale socket of a previous run; the state lock is elsewhere
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        s.bind(UnixDomainSocketAddress.of(path));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
        ControlServer c = new ControlServer(agent, path, s);
        Thread t = new Thread(c::acceptLoop, "control-accept");
        t.setDaemon(true);
        t.start();
        return c;
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                SocketChannel ch = server.accept();
                if (!clients.tryAcquire()) {
                    ch.close();
                    continue;
                }
                Thread t = new Thread(() -> serve(ch), "control-client");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (!closed) LOG.log(Level.WARNING, "accept failed: " + e.getMessage());
            }
        }
    }

    private void serve(SocketChannel ch) {
        try (ch; BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch),
                StandardCharsets.UTF_8), MAX_LINE); OutputStream out = Channels.newOutputStream(ch)) {
            String line;
            while ((line = readLine(in)) != null) {
                String answer = answer(line);
                out.write((answer + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException e) {
            // the client went away
        } finally {
            clients.release();
        }
    }

    private static String readLine(BufferedReader in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') return sb.toString();
            if (sb.length() >= MAX_LINE) throw new IOException("line too long");
            sb.append((char) c);
        }
        return sb.length() > 0 ? sb.toString() : null;
    }

    private String answer(String line) {
        ControlCommand cmd = ControlCommand.parse(line, agent.cluster());
        try {
            if (cmd instanceof ControlCommand.Status) {
                return agent.statusAsync().get(5, TimeUnit.SECONDS);
            } else if (cmd instanceof ControlCommand.Operator op) {
                Agent.IntentAnswer a = agent.intent(op.intent()).get(INTENT_TIMEOUT_S, TimeUnit.SECONDS);
                ObjectNode o = JSON.createObjectNode();
                o.put("accepted", a.accepted());
                o.put("message", a.message());
                return o.toString();
            } else {
                return error(((ControlCommand.Invalid) cmd).problem());
            }
        } catch (java.util.concurrent.TimeoutException e) {
            return error("no answer in time");
        } catch (Exception e) {
            return error(e.toString());
        }
    }

    private static String error(String message) {
        ObjectNode o = JSON.createObjectNode();
        o.put("error", message);
        return o.toString();
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // best effort
        }
    }
}
