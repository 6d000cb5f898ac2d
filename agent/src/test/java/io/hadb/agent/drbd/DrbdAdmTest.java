package io.hadb.agent.drbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadb.agent.drbd.DrbdCommandException.Kind;
import io.hadb.agent.exec.CommandRunner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DrbdAdmTest {
    @TempDir
    Path tmp;
    FakeTool adm;
    FakeTool setup;
    DrbdAdm drbd;

    @BeforeEach
    void setUp() throws Exception {
        adm = new FakeTool(tmp, "drbdadm");
        setup = new FakeTool(tmp, "drbdsetup");
        drbd = new DrbdAdm(new CommandRunner(), "r0", new DrbdAdm.Settings(adm.exe.toString(), setup.exe.toString(),
                Optional.of("/etc/drbd-test.conf"), Duration.ofSeconds(5), Duration.ofSeconds(5), Map.of("HADB_X", "1")));
    }

    private static Samples.Step failed(String file, String command, String section) {
        return Samples.steps(file).stream().filter(s -> s.command().equals(command) && s.exit() != 0
                && (section == null || s.section().equals(section))).findFirst().orElseThrow();
    }

    private DrbdCommandException refusal(String verb, Samples.Step step, ThrowingRun r) throws Exception {
        adm.on(verb, "", step.output(), step.exit());
        return assertThrows(DrbdCommandException.class, r::run);
    }

    interface ThrowingRun {
        void run() throws Exception;
    }

    @Test
    void successfulCommandsPassConfigAndForce() throws Exception {
        drbd.up();
        drbd.primaryForce();
        drbd.secondary();
        drbd.detach(true);
        String calls = adm.calls();
        assertTrue(calls.contains("-c /etc/drbd-test.conf up r0\n"), calls);
        assertTrue(calls.contains("-c /etc/drbd-test.conf primary --force r0\n"), calls);
        assertTrue(calls.contains("detach --force r0\n"), calls);
        assertFalse(calls.contains(" down "), "the driver never runs down");
    }

    @Test
    void everyRecordedRefusalBecomesItsKind() throws Exception {
        Samples.Step peerPrimary = failed("scenario-steps.hadb02.txt", "drbdadm primary r0", "peer Primary");
        DrbdCommandException e = refusal("primary", peerPrimary, drbd::primary);
        assertEquals(Kind.PEER_IS_PRIMARY, e.kind());
        assertEquals(11, e.exitCode());
        assertTrue(e.toolMessage().startsWith("1: State change failed: (-1) Multiple primaries not allowed by config"));

        e = refusal("primary", failed("scenario-steps.hadb02.txt", "drbdadm primary r0", "outdated ourselves"), drbd::primary);
        assertEquals(Kind.NO_UP_TO_DATE_DATA, e.kind());
        assertEquals(17, e.exitCode());
        assertTrue(e.toolMessage().contains("Need access to UpToDate data"));

        e = refusal("secondary", failed("scenario-steps.hadb01.txt", "drbdadm secondary r0", null), drbd::secondary);
        assertEquals(Kind.DEVICE_HELD_OPEN, e.kind());

        e = refusal("primary", failed("fencing/4-promote-while-dead-peer-still-connected/steps.hadb02",
                "drbdadm primary r0", null), drbd::primary);
        assertEquals(Kind.PEER_NOT_OUTDATED, e.kind());

        e = refusal("outdate", failed("fencing/1-crash-takeover-then-isolated-primary-resume-io/steps.hadb02",
                "drbdadm outdate r0", null), drbd::outdate);
        assertEquals(Kind.NO_UP_TO_DATE_DATA, e.kind());

        e = refusal("disconnect", failed("fencing/4-promote-while-dead-peer-still-connected/steps.hadb02",
                "drbdadm disconnect --force r0", null), drbd::disconnect);
        assertEquals(Kind.NOT_CONFIGURED, e.kind());
        assertEquals(10, e.exitCode());

        adm.on("up", "", "Could not connect to 'drbd' generic netlink family\n", 20);
        assertEquals(Kind.MODULE_NOT_LOADED, assertThrows(DrbdCommandException.class, drbd::up).kind());
        adm.on("adjust", "", "r0: State change failed: (-25) No quorum\n", 11);
        assertEquals(Kind.NO_QUORUM, assertThrows(DrbdCommandException.class, drbd::adjust).kind());
    }

    @Test
    void aHangingCommandIsKilledAtItsTimeout() throws Exception {
        DrbdAdm quick = new DrbdAdm(new CommandRunner(), "r0", new DrbdAdm.Settings(adm.exe.toString(),
                setup.exe.toString(), Optional.empty(), Duration.ofMillis(300), Duration.ofMillis(300), Map.of()));
        adm.hang("primary", 30);
        DrbdCommandException e = assertThrows(DrbdCommandException.class, quick::primary);
        assertEquals(Kind.TIMEOUT, e.kind());
        assertEquals(-1, e.exitCode());
    }

    @Test
    void missingExecutableIsOther() {
        DrbdAdm none = new DrbdAdm(new CommandRunner(), "r0", new DrbdAdm.Settings(tmp.resolve("nope").toString(),
                "nope", Optional.empty(), Duration.ofSeconds(1), Duration.ofSeconds(1), Map.of()));
        assertEquals(Kind.OTHER, assertThrows(DrbdCommandException.class, none::up).kind());
    }

    @Test
    void queriesParseRecordedOutputAndRejectGarbage() throws Exception {
        adm.on("role", "Secondary/Primary\n", "", 0);
        adm.on("dstate", "Inconsistent/UpToDate\n", "", 0);
        adm.on("cstate", "WFSyncUUID\n", "", 0);
        assertEquals(new DrbdAdm.LocalPeer<>(DrbdRole.SECONDARY, DrbdRole.PRIMARY), drbd.role());
        assertEquals(new DrbdAdm.LocalPeer<>(DrbdDiskState.INCONSISTENT, DrbdDiskState.UPTODATE), drbd.dstate());
        assertEquals(DrbdConnectionState.CONNECTED, drbd.cstate());
        adm.on("cstate", "WFConnection\n", "", 0);
        assertEquals(DrbdConnectionState.CONNECTING, drbd.cstate());
        adm.on("role", "Primary\n", "", 0);
        assertEquals(DrbdRole.PRIMARY, drbd.role().local());

        adm.on("role", "@@@ garbage\n<<>>\n", "", 0);
        assertThrows(DrbdParseException.class, drbd::role);
        adm.on("dstate", "Smashed/UpToDate\n", "", 0);
        assertThrows(DrbdParseException.class, drbd::dstate);
    }

    @Test
    void statusUsesTextOn84AndJsonOn9() throws Exception {
        String version = Samples.read("drbdadm-version.txt");
        Samples.Step st = Samples.steps("scenario-steps.hadb01.txt").stream()
                .filter(s -> s.section().equals("synced, hadb01 Primary") && s.command().equals("drbdadm status r0"))
                .findFirst().orElseThrow();
        adm.on("--version", version, "", 0);
        // the fake keys on the first non-option word; --version has none, so answer through the empty verb
        adm.on("", version, "", 0);
        adm.on("status", st.output(), "", 0);
        DrbdResourceState s = drbd.status();
        assertTrue(s.healthyPair());
        assertFalse(setup.calls().contains("--json"), "an 8.4 module has no status --json");

        DrbdAdm nine = new DrbdAdm(new CommandRunner(), "r0", drbd.settings());
        adm.on("", version.replace("0x08040b", "0x090202"), "", 0);
        setup.on("status", "[{\"name\":\"r0\",\"role\":\"Primary\",\"devices\":[{\"disk-state\":\"UpToDate\"}],"
                + "\"connections\":[]}]", "", 0);
        assertEquals(DrbdRole.PRIMARY, nine.status().role());
        assertTrue(setup.calls().contains("status --json r0"));

        setup.on("status", "{{{", "", 0);
        assertThrows(DrbdParseException.class, nine::status);
        Samples.Step down = failed("scenario-steps.hadb02.txt", "drbdadm status r0", "down");
        adm.on("status", "", down.output(), down.exit());
        assertFalse(drbd.status().exists(), "a resource that is down is absent, not an error");
    }
}
