package io.hadb.agent.drbd;

import io.hadb.agent.exec.CommandResult;
import io.hadb.agent.exec.CommandRunner;
import io.hadb.agent.exec.CommandTimeoutException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Drives one DRBD resource through drbdadm/drbdsetup, every call with a timeout. A refusal
 * becomes a {@link DrbdCommandException} carrying DRBD's message and exit code.
 *
 * <p>There is deliberately no {@code down}: standing by is Secondary and connected, so the
 * standby keeps replicating.
 */
public final class DrbdAdm {
    private static final Logger LOG = Logger.getLogger(DrbdAdm.class.getName());

    /**
     * Where the tools are and how long they may take.
     *
     * @param drbdadm     drbdadm executable (name on PATH or path)
     * @param drbdsetup   drbdsetup executable
     * @param configFile  passed as `-c FILE` to drbdadm when present
     * @param timeout     for quick commands (role, status, secondary, connect, ...)
     * @param longTimeout for `primary`, which runs the fence-peer handler synchronously when the peer is unknown
     * @param env         extra environment for every command (e.g. the emulator's HADB_EMU_* variables)
     */
    public record Settings(String drbdadm, String drbdsetup, Optional<String> configFile, Duration timeout,
                           Duration longTimeout, Map<String, String> env) {
        public Settings {
            env = Map.copyOf(env);
        }

        public static Settings defaults() {
            return new Settings("drbdadm", "drbdsetup", Optional.empty(), Duration.ofSeconds(10),
                    Duration.ofSeconds(60), Map.of());
        }
    }

    /** A value for this node and its peer, as `drbdadm role|dstate` print them ("Primary/Secondary"). */
    public record LocalPeer<T>(T local, T peer) {
    }

    private final CommandRunner runner;
    private final String resource;
    private final Settings settings;
    private volatile DrbdVersion version;

    public DrbdAdm(CommandRunner runner, String resource, Settings settings) {
        this.runner = runner;
        this.resource = resource;
        this.settings = settings;
    }

    public String resource() {
        return resource;
    }

    public Settings settings() {
        return settings;
    }

    public void up() throws DrbdCommandException {
        adm(settings.timeout(), "up");
    }

    public void primary() throws DrbdCommandException {
        adm(settings.longTimeout(), "primary");
    }

    /** Promotes even without UpToDate data (initial sync, or an operator's decision); never automatic. */
    public void primaryForce() throws DrbdCommandException {
        adm(settings.longTimeout(), "primary", "--force");
    }

    public void secondary() throws DrbdCommandException {
        adm(settings.timeout(), "secondary");
    }

    /** The second rung of the demotion ladder: I/O errors make holders let go. */
    public void secondaryForce() throws DrbdCommandException {
        adm(settings.timeout(), "secondary", "--force");
    }

    public void adjust() throws DrbdCommandException {
        adm(settings.timeout(), "adjust");
    }

    public void outdate() throws DrbdCommandException {
        adm(settings.timeout(), "outdate");
    }

    public void connect() throws DrbdCommandException {
        adm(settings.timeout(), "connect");
    }

    public void disconnect() throws DrbdCommandException {
        adm(settings.timeout(), "disconnect");
    }

    public void detach(boolean force) throws DrbdCommandException {
        if (force) adm(settings.timeout(), "detach", "--force");
        else adm(settings.timeout(), "detach");
    }

    public void attach() throws DrbdCommandException {
        adm(settings.timeout(), "attach");
    }

    public void resumeIo() throws DrbdCommandException {
        adm(settings.timeout(), "resume-io");
    }

    /** `drbdadm role`: "Primary/Secondary" on an 8.4 module, the local role alone on DRBD 9. */
    public LocalPeer<DrbdRole> role() throws DrbdCommandException, DrbdParseException {
        String[] p = pair(adm(settings.timeout(), "role").stdout());
        return new LocalPeer<>(known(DrbdRole.parse(p[0]), DrbdRole.UNKNOWN, p[0]), DrbdRole.parse(p[1]));
    }

    public LocalPeer<DrbdDiskState> dstate() throws DrbdCommandException, DrbdParseException {
        String[] p = pair(adm(settings.timeout(), "dstate").stdout());
        return new LocalPeer<>(known(DrbdDiskState.parse(p[0]), DrbdDiskState.UNKNOWN, p[0]), DrbdDiskState.parse(p[1]));
    }

    /** `drbdadm cstate`; 8.4's replication-flavoured answers (SyncSource, WFBitMapT, ...) mean Connected. */
    public DrbdConnectionState cstate() throws DrbdCommandException, DrbdParseException {
        String s = adm(settings.timeout(), "cstate").stdout().strip();
        DrbdConnectionState c = DrbdConnectionState.parse(s);
        if (c == DrbdConnectionState.UNKNOWN && DrbdReplicationState.parse(s).linked()) c = DrbdConnectionState.CONNECTED;
        return known(c, DrbdConnectionState.UNKNOWN, s);
    }

    /** The kernel module's and drbd-utils' versions; asked once. */
    public DrbdVersion version() throws DrbdCommandException, DrbdParseException {
        DrbdVersion v = version;
        if (v == null) {
            v = DrbdVersion.parse(run(settings.timeout(), List.of(settings.drbdadm(), "--version"), true).stdout());
            LOG.info("DRBD kernel module " + v.kernelVersion() + ", drbd-utils " + v.utilsVersion()
                    + (v.supportsStatusJson() ? ": using drbdsetup status --json" : ": using drbdadm status text"));
            version = v;
        }
        return v;
    }

    /**
     * The resource's state now: `drbdsetup status --json` on a DRBD 9 module, `drbdadm status` text
     * on 8.4 (which has no --json). A resource that is not up is {@link DrbdResourceState#absent}.
     */
    public DrbdResourceState status() throws DrbdCommandException, DrbdParseException {
        boolean json = version().supportsStatusJson();
        try {
            if (json) {
                return DrbdStatusParser.parseJson(resource, run(settings.timeout(),
                        List.of(settings.drbdsetup(), "status", "--json", resource), true).stdout());
            }
            return DrbdStatusParser.parseText(resource, adm(settings.timeout(), "status").stdout());
        } catch (DrbdCommandException e) {
            if (e.kind() == DrbdCommandException.Kind.NOT_CONFIGURED) return DrbdResourceState.absent(resource);
            throw e;
        }
    }

    private CommandResult adm(Duration timeout, String verb, String... opts) throws DrbdCommandException {
        List<String> cmd = new ArrayList<>();
        cmd.add(settings.drbdadm());
        settings.configFile().ifPresent(c -> {
            cmd.add("-c");
            cmd.add(c);
        });
        cmd.add(verb);
        cmd.addAll(List.of(opts));
        cmd.add(resource);
        return run(timeout, cmd, verb.equals("role") || verb.equals("dstate") || verb.equals("cstate")
                || verb.equals("status"));
    }

    private CommandResult run(Duration timeout, List<String> cmd, boolean query) throws DrbdCommandException {
        CommandResult r;
        try {
            r = runner.run(timeout, cmd, settings.env(), null);
        } catch (CommandTimeoutException e) {
            LOG.warning(String.join(" ", cmd) + " timed out after " + timeout.toMillis() + " ms and was killed");
            throw new DrbdCommandException(DrbdCommandException.Kind.TIMEOUT, cmd, -1, e.partialOutput());
        } catch (IOException e) {
            LOG.warning(String.join(" ", cmd) + " could not run: " + e.getMessage());
            throw new DrbdCommandException(DrbdCommandException.Kind.OTHER, cmd, -1, String.valueOf(e.getMessage()));
        }
        if (!r.ok()) {
            String out = r.stderr().isBlank() ? r.stdout() : r.stderr() + (r.stdout().isBlank() ? "" : "\n" + r.stdout());
            DrbdCommandException.Kind kind = DrbdCommandException.classify(r.exitCode(), out);
            if (!query || kind != DrbdCommandException.Kind.NOT_CONFIGURED) {
                LOG.warning(r.summary() + " -> " + kind);
            }
            throw new DrbdCommandException(kind, cmd, r.exitCode(), out);
        }
        if (!query) LOG.info(String.join(" ", cmd) + " succeeded in " + r.elapsed().toMillis() + " ms");
        return r;
    }

    private static String[] pair(String out) throws DrbdParseException {
        String s = out.strip();
        if (s.isEmpty() || s.contains("\n") || s.contains(" ")) throw new DrbdParseException("expected one word or A/B", out);
        int slash = s.indexOf('/');
        return slash < 0 ? new String[] {s, "Unknown"} : new String[] {s.substring(0, slash), s.substring(slash + 1)};
    }

    private static <T> T known(T value, T unknown, String raw) throws DrbdParseException {
        if (value == unknown && !raw.equals("Unknown")) throw new DrbdParseException("unrecognised DRBD state", raw);
        return value;
    }
}
