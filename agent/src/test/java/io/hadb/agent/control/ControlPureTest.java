package io.hadb.agent.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hadb.agent.AgentCtl;
import io.hadb.agent.config.ConfigException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The control socket's configuration, access rule, exit codes and views, without I/O. */
class ControlPureTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path DATA = Path.of("/var/lib/hadb");

    @TempDir
    Path dir;

    @Test
    void controlSectionDefaultsAndKeys() throws ConfigException {
        ControlConfig d = ControlConfig.parse("cluster_id = \"x\"\n", DATA);
        assertEquals(DATA.resolve("control.sock"), d.socket());
        assertEquals(Optional.empty(), d.group());
        assertFalse(d.mlockall());
        ControlConfig c = ControlConfig.parse("[control]\nsocket = \"/run/hadb/ctl.sock\"\ngroup = \"hadb\"\nmlockall = true\n", DATA);
        assertEquals(Path.of("/run/hadb/ctl.sock"), c.socket());
        assertEquals(Optional.of("hadb"), c.group());
        assertTrue(c.mlockall());
    }

    @Test
    void controlSectionErrorsNameTheKey() {
        assertEquals("control.sokcet", assertThrows(ConfigException.class,
                () -> ControlConfig.parse("[control]\nsokcet = \"/x\"\n", DATA)).key());
        assertEquals("control.socket", assertThrows(ConfigException.class,
                () -> ControlConfig.parse("[control]\nsocket = \"relative\"\n", DATA)).key());
        assertEquals("control.socket", assertThrows(ConfigException.class,
                () -> ControlConfig.parse("[control]\nsocket = \"/" + "a".repeat(120) + "\"\n", DATA)).key());
        assertEquals("control.group", assertThrows(ConfigException.class,
                () -> ControlConfig.parse("[control]\ngroup = \"a b\"\n", DATA)).key());
        assertEquals("control.group", assertThrows(ConfigException.class,
                () -> ControlConfig.parse("[control]\ngroup = 5\n", DATA)).key());
        assertEquals("control.mlockall", assertThrows(ConfigException.class,
                () -> ControlConfig.parse("[control]\nmlockall = \"yes\"\n", DATA)).key());
        assertEquals("control", assertThrows(ConfigException.class, () -> ControlConfig.parse("control = 1\n", DATA)).key());
    }

    @Test
    void accessRule() {
        UserDb.Group hadb = new UserDb.Group("hadb", 990, List.of("alice"));
        Optional<String> g = Optional.of("hadb");
        assertEquals(Optional.empty(), PeerAccess.refusal(0, "root", "root", Optional.empty(), Optional.empty(), Optional.empty()));
        assertEquals(Optional.empty(), PeerAccess.refusal(1000, "alice", "alice", Optional.empty(), Optional.of(hadb), g),
                "listed member");
        assertEquals(Optional.empty(), PeerAccess.refusal(1001, "bob", "hadb", Optional.empty(), Optional.of(hadb), g),
                "current group");
        assertEquals(Optional.empty(), PeerAccess.refusal(1002, "carol", "users",
                Optional.of(new UserDb.User("carol", 1002, 990)), Optional.of(hadb), g), "primary group in passwd");
        String r = PeerAccess.refusal(1003, "dave", "users", Optional.of(new UserDb.User("dave", 1003, 100)),
                Optional.of(hadb), g).orElseThrow();
        assertEquals("permission denied: user dave (uid 1003) may not use the control socket; only root and members of "
                + "group hadb may", r);
        assertTrue(PeerAccess.refusal(1000, "alice", "alice", Optional.empty(), Optional.empty(), Optional.empty())
                .orElseThrow().contains("only root may"));
        assertTrue(PeerAccess.refusal(1000, "alice", "hadb", Optional.empty(), Optional.empty(), g).isPresent(),
                "a configured group that does not exist lets nobody but root in");
    }

    @Test
    void refusalExitCodes() {
        assertEquals(CtlExit.NO_QUORUM, CtlExit.forRefusal("no master is known (no quorum?)"));
        assertEquals(CtlExit.NO_QUORUM, CtlExit.forRefusal("no answer from the master"));
        assertEquals(CtlExit.TARGET_OUTDATED, CtlExit.forRefusal("hadb02 is Outdated: promoting it would lose data"));
        assertEquals(CtlExit.ALREADY, CtlExit.forRefusal("already master"));
        assertEquals(CtlExit.REFUSED, CtlExit.forRefusal("witness is a witness: it cannot be master"));
        assertEquals(CtlExit.REFUSED, CtlExit.forRefusal("a switchover to hadb02 is already under way"));
        // promote: each refusal its own code
        assertEquals(CtlExit.TARGET_OUTDATED, CtlExit.forRefusal("this node is Outdated since term 4: promoting it would "
                + "lose the writes made since; add --force if the peer's data is gone"));
        assertEquals(CtlExit.USE_SWITCHOVER, CtlExit.forRefusal("hadb01 is master: use switchover"));
        assertEquals(CtlExit.USE_SWITCHOVER, CtlExit.forRefusal("hadb02 is not Outdated: promote is only for an Outdated "
                + "node whose peer's data is gone; use switchover --to hadb02"));
        assertEquals(CtlExit.USE_SWITCHOVER, CtlExit.forRefusal("hadb01 is reachable and UpToDate: it can be master without "
                + "losing data (use switchover; stop its agent first if its disk is gone)"));
        assertEquals(CtlExit.TIMEOUT, CtlExit.forRefusal("forced promotion not won within 30000 ms (no quorum); nothing changed"));
        assertEquals(CtlExit.NO_QUORUM, CtlExit.forRefusal("no quorum: 1 of 3 votes reachable, 2 needed"));
    }

    @Test
    void parsesPromote() {
        assertEquals(new ControlCommand.Promote(false, ControlCommand.DEFAULT_FORCE_WINDOW_MS), ControlCommand.parse("promote", null));
        assertEquals(new ControlCommand.Promote(true, ControlCommand.DEFAULT_FORCE_WINDOW_MS),
                ControlCommand.parse("promote --force", null));
        assertEquals(new ControlCommand.Promote(true, 5000), ControlCommand.parse("promote --force 5000", null));
        assertTrue(ControlCommand.parse("promote --force 10", null) instanceof ControlCommand.Invalid);
        assertTrue(ControlCommand.parse("promote --force x", null) instanceof ControlCommand.Invalid);
        assertTrue(ControlCommand.parse("promote hadb02", null) instanceof ControlCommand.Invalid);
    }

    @Test
    void promoteWatchNamesTheStepsInOrder() throws Exception {
        PromoteWatch w = new PromoteWatch("hadb02", 0);
        String pending = "{\"node\":\"hadb02\",\"leader\":null,\"term\":7,\"forcePending\":true,\"forcedMaster\":false,"
                + "\"record\":{\"master\":\"hadb01\"},\"resources\":{\"probe\":\"down\"}}";
        List<String> a = w.observe(JSON.readTree(pending), 10_000_000L);
        assertEquals(1, a.size(), a.toString());
        assertTrue(a.get(0).contains("hadb02 stands for election despite its Outdated copy (term 7)"), a.get(0));
        assertTrue(w.accepted("won in term 8: forced promotion by operator: writes since term 5 on hadb01 given up", 300_000_000L)
                .get(0).contains("(0.290s)  hadb02 won in term 8"));
        String serving = "{\"node\":\"hadb02\",\"leader\":\"hadb02\",\"term\":8,\"forcePending\":false,\"forcedMaster\":true,"
                + "\"record\":{\"master\":\"hadb02\",\"reason\":\"forced promotion by operator: writes since term 5 on hadb01 "
                + "given up\"},\"resources\":{\"probe\":\"down\"}}";
        List<String> b = w.observe(JSON.readTree(serving), 400_000_000L);
        assertEquals(1, b.size(), b.toString());
        assertTrue(b.get(0).contains("forced record committed (forced promotion by operator: writes since term 5 on hadb01 "
                + "given up): hadb02 serves, starting its resources"), b.get(0));
        assertTrue(!w.done());
        List<String> c = w.observe(JSON.readTree(serving.replace("\"down\"", "\"healthy\"")), 900_000_000L);
        assertTrue(c.get(0).contains("probe healthy on hadb02"), c.toString());
        assertTrue(w.done());
    }

    @Test
    void parsesHandlerCommands() {
        var cluster = io.hadb.protocol.ClusterConfig.class; // names only: resolved without a cluster here
        assertTrue(ControlCommand.parse("fence-peer hadb02 500 r0", null) instanceof ControlCommand.FencePeer f
                && f.peer().equals("hadb02") && f.waitMs() == 500 && f.resource().equals("r0"), cluster.getName());
        assertTrue(ControlCommand.parse("fence-peer hadb02 x", null) instanceof ControlCommand.Invalid);
        assertTrue(ControlCommand.parse("fence-peer hadb02 999999999", null) instanceof ControlCommand.Invalid);
        assertTrue(ControlCommand.parse("unfence-peer hadb02", null) instanceof ControlCommand.DrbdNotice n
                && n.handler().equals("unfence-peer"));
        assertTrue(ControlCommand.parse("history", null) instanceof ControlCommand.History);
        assertTrue(ControlCommand.parse("history now", null) instanceof ControlCommand.Invalid);
    }

    @Test
    void historyRingKeepsTheNewest() throws Exception {
        History h = new History(3);
        for (int i = 0; i < 5; i++) h.add(new History.Entry(1_000L * i, 1_000_000_000L * i, "election", "info", "line " + i));
        JsonNode j = JSON.readTree(h.json());
        assertEquals(3, j.path("history").size());
        assertEquals("line 2", j.path("history").get(0).path("message").asText());
        String text = StatusView.history(j, ZoneOffset.UTC);
        assertTrue(text.matches("(?s).*1970-01-01 00:00:04.000 +\\+1.000s +election +line 4\\n"), text);
    }

    @Test
    void switchoverWatchNamesTheStepsInOrder() throws Exception {
        JsonNode before = JSON.readTree("{\"node\":\"hadb01\",\"leader\":\"hadb01\",\"serving\":true,\"term\":3,"
                + "\"record\":{\"master\":\"hadb01\"}}");
        SwitchoverWatch w = new SwitchoverWatch(before, 0);
        assertEquals(List.of(), w.observe(before, 10_000_000L));
        List<String> a = w.observe(JSON.readTree("{\"node\":\"hadb01\",\"leader\":\"hadb01\",\"serving\":false,\"term\":3,"
                + "\"record\":{\"master\":\"hadb01\"}}"), 20_000_000L);
        assertEquals(1, a.size());
        assertTrue(a.get(0).contains("+0.020s") && a.get(0).contains("hadb01 stopped serving"), a.get(0));
        assertTrue(w.accepted("switchover to hadb02: old master released its resources", 500_000_000L).get(0)
                .contains("(0.480s)  old master hadb01 released its resources"));
        List<String> b = w.observe(JSON.readTree("{\"node\":\"hadb01\",\"leader\":\"hadb02\",\"serving\":false,\"term\":4,"
                + "\"record\":{\"master\":\"hadb02\"}}"), 700_000_000L);
        assertEquals(2, b.size(), b.toString());
        assertTrue(b.get(0).contains("hadb02 elected master in term 4"));
        assertTrue(b.get(1).contains("hadb02 is master in the committed record"));
        assertTrue(w.done());
    }

    @Test
    void statusTableFromJson() throws Exception {
        JsonNode s = JSON.readTree("{\"node\":\"hadb01\",\"pid\":7,\"term\":5,\"role\":\"master\",\"leader\":\"hadb01\","
                + "\"serving\":true,\"leaseValid\":true,\"leaseRemainingMs\":812,\"quorate\":true,"
                + "\"record\":{\"version\":\"5.9\",\"master\":\"hadb01\",\"standby\":[\"hadb02\"],\"maintenance\":false,"
                + "\"outdated\":{\"hadb02\":4}},"
                + "\"resources\":{\"goal\":\"serve\",\"drbd\":\"Primary/UpToDate\",\"mysql\":\"healthy\",\"probe\":\"healthy\","
                + "\"filesystem\":\"mounted\"},"
                + "\"nodes\":[{\"name\":\"hadb01\",\"kind\":\"data\",\"self\":true,\"up\":true,\"links\":[true,true]},"
                + "{\"name\":\"hadb02\",\"kind\":\"data\",\"self\":false,\"up\":true,\"links\":[true,false]},"
                + "{\"name\":\"witness\",\"kind\":\"witness\",\"self\":false,\"up\":false,\"links\":[false]}]}");
        String t = StatusView.status(s);
        assertTrue(t.contains("Lease left:  812 ms"), t);
        assertTrue(t.matches("(?s).*hadb01\\*\\s+data\\s+master\\s+up\\s+local\\s+UpToDate.*"), t);
        assertTrue(t.matches("(?s).*hadb02\\s+data\\s+replica \\(standby\\)\\s+up\\s+0:up 1:down\\s+Outdated since term 4.*"), t);
        assertTrue(t.matches("(?s).*witness\\s+witness\\s+witness\\s+DOWN\\s+0:down\\s+-.*"), t);
        // resources in a fixed order: DRBD, filesystem, mysqld, probe
        int drbd = t.indexOf("DRBD "), fs = t.indexOf("filesystem "), my = t.indexOf("mysqld "), pr = t.indexOf("probe ");
        assertTrue(drbd > 0 && drbd < fs && fs < my && my < pr, t);
    }

    @Test
    void configCheckPrintsOkOrTheKey() throws Exception {
        Path key = dir.resolve("authkey");
        io.hadb.agent.config.KeyFile.generate(key);
        String nodes = "[[nodes]]\nname = \"a\"\nid = 1\naddresses = [\"127.0.0.1\"]\n[[nodes]]\nname = \"b\"\nid = 2\n"
                + "addresses = [\"127.0.0.2\"]\n[[nodes]]\nname = \"w\"\nid = 3\nrole = \"witness\"\naddresses = [\"127.0.0.3\"]\n";
        Path good = dir.resolve("good.toml");
        Files.writeString(good, "cluster_id = \"c\"\nnode = \"a\"\nkey_file = \"" + key + "\"\n[control]\ngroup = \"nogroup\"\n" + nodes);
        String[] r = check(good);
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].startsWith("OK: " + good + ": node a (data) of 3 nodes, no resources"), r[1]);

        Path bad = dir.resolve("bad.toml");
        Files.writeString(bad, "cluster_id = \"c\"\nnode = \"a\"\nkey_file = \"" + key + "\"\n[drbd]\nresource = \"r0\"\n" + nodes);
        r = check(bad);
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("filesystem: missing"), r[2]);

        Path group = dir.resolve("group.toml");
        Files.writeString(group, "cluster_id = \"c\"\nnode = \"a\"\nkey_file = \"" + key + "\"\n[control]\ngroup = \"no-such-group-hadb\"\n" + nodes);
        r = check(group);
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("control.group: no group named \"no-such-group-hadb\""), r[2]);
    }

    private static String[] check(Path file) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        var cl = AgentCtl.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute("config", "check", file.toString());
        return new String[] {Integer.toString(code), out.toString(), err.toString()};
    }
}
