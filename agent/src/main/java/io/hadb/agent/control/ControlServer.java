package io.hadb.agent.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hadb.agent.Agent;
import io.hadb.agent.config.ConfigException;
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
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * The local control socket (Unix domain, mode 0660, owner root, group from {@code [control] group}): one command
 * per line, one JSON line per answer, many commands per connection. The peer's credentials (SO_PEERCRED) are
 * checked on every connection: anyone but root or a member of the group gets one refusal line and is
 * disconnected. Runs on its own small threads; every question is handed to the agent's event loop, so the
 * protocol stays single-threaded.
 */
public final class ControlServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("hadb.control");
    private static final Logger FENCING = Logger.getLogger("hadb.fencing");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_CLIENTS = 16;
    private static final int MAX_LINE = 1024;
    /** Longer than the protocol's own answer deadline for a forwarded intent. */
    private static final long INTENT_TIMEOUT_S = 60;

    private final Agent agent;
    private final ControlConfig config;
    private final History history;
    private final ServerSocketChannel server;
    private final Semaphore clients = new Semaphore(MAX_CLIENTS);
    private volatile boolean closed;

    private ControlServer(Agent agent, ControlConfig config, History history, ServerSocketChannel server) {
        this.agent = agent;
        this.config = config;
        this.history = history;
        this.server = server;
    }

    /** Root only, no history: as before the [control] section existed. */
    public static ControlServer start(Agent agent, Path path) throws IOException, ConfigException {
        return start(agent, new ControlConfig(path, Optional.empty(), false), null);
    }

    /**
     * Binds the socket (removing a stale one), sets owner root, the group and mode 0660, and starts accepting.
     *
     * @param history answers {@code history}; null: an empty history
     * @throws ConfigException when the configured group does not exist
     */
    public static ControlServer start(Agent agent, ControlConfig config, History history) throws IOException, ConfigException {
        Path path = config.socket();
        GroupPrincipal group = null;
        if (config.group().isPresent()) {
            try {
                group = path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(config.group().get());
            } catch (UserPrincipalNotFoundException e) {
                throw new ConfigException("control.group", "no group named \"" + config.group().get() + "\" on this system");
            }
        }
        Files.createDirectories(path.getParent());
        Files.deleteIfExists(path); // a stale socket of a previous run; the state lock is elsewhere
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            s.bind(UnixDomainSocketAddress.of(path));
            // connect(2) needs write permission on the socket file: 0660 keeps everyone else out before any
            // credential is checked. The agent runs as root, so the file is root's already; say so anyway.
            PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
            view.setOwner(path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("root"));
            if (group != null) view.setGroup(group);
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
            if (group != null) letGroupThrough(path.getParent(), group);
        } catch (IOException e) {
            s.close();
            throw e;
        }
        ControlServer c = new ControlServer(agent, config, history, s);
        Thread t = new Thread(c::acceptLoop, "control-accept");
        t.setDaemon(true);
        t.start();
        LOG.info("control socket " + path + " open to root" + config.group().map(g -> " and group " + g).orElse(" only"));
        return c;
    }

    /**
     * The group must be able to reach the socket: a directory closed to it (the data directory is 0700) gets
     * search permission for the group only (g+x, no listing), and the group as its group when it is root's.
     */
    private static void letGroupThrough(Path dir, GroupPrincipal group) throws IOException {
        var perms = Files.getPosixFilePermissions(dir);
        if (perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) return;
        PosixFileAttributeView view = Files.getFileAttributeView(dir, PosixFileAttributeView.class);
        GroupPrincipal current = view.readAttributes().group();
        if (!current.equals(group) && !perms.contains(java.nio.file.attribute.PosixFilePermission.GROUP_EXECUTE)) {
            view.setGroup(group);
        } else if (!current.equals(group)) {
            LOG.warning("control socket directory " + dir + " belongs to group " + current.getName() + ", not "
                    + group.getName() + ": members of " + group.getName() + " may not reach the socket");
            return;
        }
        if (perms.add(java.nio.file.attribute.PosixFilePermission.GROUP_EXECUTE)) {
            Files.setPosixFilePermissions(dir, perms);
            LOG.info("gave group " + group.getName() + " search permission (g+x) on " + dir + " to reach the control socket");
        }
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
            Optional<String> refused = checkPeer(ch);
            String line;
            while ((line = readLine(in)) != null) {
                // a refused peer still gets its answer line (the refusal), so its client reports it
                String answer = refused.isPresent() ? denied(refused.get()) : answer(line);
                out.write((answer + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                if (refused.isPresent()) return;
            }
        } catch (IOException e) {
            // the client went away
        } finally {
            clients.release();
        }
    }

    private Optional<String> checkPeer(SocketChannel ch) {
        try {
            UnixDomainPrincipal p = ch.getOption(ExtendedSocketOptions.SO_PEERCRED);
            String userName = p.user().getName();
            String groupName = p.group().getName();
            Optional<UserDb.User> user = userName.matches("\\d+") ? Optional.empty() : UserDb.user(userName);
            int uid = userName.matches("\\d+") ? Integer.parseInt(userName) : user.map(UserDb.User::uid).orElse(-1);
            Optional<String> r = PeerAccess.refusal(uid, userName.matches("\\d+") ? null : userName, groupName, user,
                    config.group().flatMap(UserDb::group), config.group());
            r.ifPresent(why -> LOG.warning("control connection refused: " + why));
            return r;
        } catch (IOException | RuntimeException | UnsatisfiedLinkError e) {
            LOG.warning("control connection refused: cannot read the peer's credentials (" + e + ")");
            return Optional.of("permission denied: the peer's credentials cannot be read");
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
                ObjectNode s = (ObjectNode) JSON.readTree(agent.statusAsync().get(5, TimeUnit.SECONDS));
                JsonNode nodes = JSON.readTree(agent.nodesAsync().get(5, TimeUnit.SECONDS));
                s.set("nodes", nodes);
                return s.toString();
            } else if (cmd instanceof ControlCommand.History) {
                return history == null ? "{\"history\":[]}" : history.json();
            } else if (cmd instanceof ControlCommand.Operator op) {
                Agent.IntentAnswer a = agent.intent(op.intent()).get(INTENT_TIMEOUT_S, TimeUnit.SECONDS);
                ObjectNode o = JSON.createObjectNode();
                o.put("accepted", a.accepted());
                o.put("message", a.message());
                return o.toString();
            } else if (cmd instanceof ControlCommand.Promote p) {
                Agent.IntentAnswer a = agent.promote(p.force(), Duration.ofMillis(p.windowMs()))
                        .get(p.windowMs() + 10_000, TimeUnit.MILLISECONDS);
                ObjectNode o = JSON.createObjectNode();
                o.put("accepted", a.accepted());
                o.put("message", a.message());
                return o.toString();
            } else if (cmd instanceof ControlCommand.FencePeer fp) {
                FENCING.info("DRBD fence-peer handler for " + fp.peer()
                        + (fp.resource().isEmpty() ? "" : " (resource " + fp.resource() + ")") + ": asking the cluster, "
                        + "answer within " + fp.waitMs() + " ms");
                int code;
                try {
                    code = agent.fencePeer(fp.peer(), Duration.ofMillis(fp.waitMs()))
                            .get(fp.waitMs() + 2_000, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    code = 1;
                }
                FENCING.info("DRBD fence-peer handler for " + fp.peer() + " answered " + code + " ("
                        + FenceAnswer.describe(code) + ")");
                ObjectNode o = JSON.createObjectNode();
                o.put("exit", code);
                o.put("message", FenceAnswer.describe(code));
                return o.toString();
            } else if (cmd instanceof ControlCommand.DrbdNotice n) {
                // the Outdated mark is cleared by the master once DRBD reports the peer in sync (events2);
                // this is the handler's word for the same moment, kept in the log and the history
                FENCING.info("DRBD " + n.handler() + " handler: " + n.peer() + " resynced"
                        + (n.resource().isEmpty() ? "" : " (resource " + n.resource() + ")"));
                ObjectNode o = JSON.createObjectNode();
                o.put("ok", true);
                o.put("message", n.handler() + " noted");
                return o.toString();
            } else {
                return error(((ControlCommand.Invalid) cmd).problem());
            }
        } catch (java.util.concurrent.TimeoutException e) {
            return error("no answer from the agent in time");
        } catch (Exception e) {
            return error(e.toString());
        }
    }

    private static String error(String message) {
        ObjectNode o = JSON.createObjectNode();
        o.put("error", message);
        return o.toString();
    }

    private static String denied(String message) {
        ObjectNode o = JSON.createObjectNode();
        o.put("error", message);
        o.put("denied", true);
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
            Files.deleteIfExists(config.socket());
        } catch (IOException ignored) {
            // best effort
        }
    }
}
