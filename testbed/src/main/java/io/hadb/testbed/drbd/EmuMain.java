package io.hadb.testbed.drbd;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Entry point of the DRBD emulator's executables: `EmuMain drbdadm ARGS`, `EmuMain drbdsetup
 * ARGS` and `EmuMain drbdemu ARGS` (fault injection and cleanup). See testbed/bin/drbdadm.
 */
public final class EmuMain {
    private EmuMain() {
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, StandardCharsets.UTF_8);
        int rc;
        try {
            rc = run(args, System.getenv(), out, System.err);
        } catch (IllegalArgumentException e) {
            System.err.println("emulator: " + e.getMessage());
            rc = 20;
        } catch (Exception e) {
            System.err.println("emulator: " + e);
            rc = 20;
        }
        out.flush();
        System.exit(rc);
    }

    static int run(String[] args, Map<String, String> envVars, PrintStream out, PrintStream err) throws Exception {
        if (args.length == 0) throw new IllegalArgumentException("usage: EmuMain drbdadm|drbdsetup|drbdemu ARGS");
        String tool = args[0];
        String conf = null;
        boolean force = false, discard = false, version = false, json = false, now = false, timestamps = false, statistics = false;
        List<String> pos = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "-c", "--config-file" -> conf = args[++i];
                case "--force" -> force = true;
                case "--discard-my-data" -> discard = true;
                case "--version", "-V" -> version = true;
                case "--json" -> json = true;
                case "--now" -> now = true;
                case "--timestamps" -> timestamps = true;
                case "--statistics", "-s" -> statistics = true;
                case "--verbose", "-v", "-d" -> { }
                default -> {
                    if (a.startsWith("--config-file=")) conf = a.substring(14);
                    else pos.add(a);
                }
            }
        }
        EmuEnv env = EmuEnv.from(envVars, conf);
        LoopDevices loops = new LoopDevices();
        if (tool.equals("drbdadm") && version) {
            out.print(EmuOutput.version(env.kernel9()));
            return 0;
        }
        if (tool.equals("drbdemu")) return drbdemu(pos, env, loops, out, err);
        if (env.node().isEmpty()) throw new IllegalArgumentException("HADB_EMU_NODE is not set (which `on NAME` this is)");
        Map<String, DrbdResourceConf> all = DrbdConfParser.parseFile(env.conf());
        if (pos.isEmpty()) throw new IllegalArgumentException(tool + ": no command given");
        String cmd = pos.get(0);
        String resArg = pos.size() > 1 ? pos.get(1) : "all";
        List<DrbdResourceConf> targets = new ArrayList<>();
        if (resArg.equals("all")) {
            for (DrbdResourceConf r : all.values()) if (r.host(env.node()).isPresent()) targets.add(r);
        } else {
            DrbdResourceConf r = all.get(resArg);
            if (r == null) {
                err.println("'" + resArg + "' not defined in your config.");
                return 10;
            }
            if (r.host(env.node()).isEmpty()) {
                err.println("'" + resArg + "' not defined in your config (for this host).");
                return 10;
            }
            targets.add(r);
        }
        if (tool.equals("drbdsetup")) {
            if (cmd.equals("events2")) return Events2Tail.run(targets, env, loops, now, timestamps, statistics, out);
            if (cmd.equals("status")) {
                final boolean asJson = json;
                if (asJson && !env.kernel9()) {
                    err.print(EmuOutput.usage84());
                    return 20;
                }
                return each(targets, env, loops, out, err, (e, s) -> query(e, s, asJson ? "json" : "status"));
            }
            throw new IllegalArgumentException("drbdsetup " + cmd + " is not emulated");
        }
        if (!tool.equals("drbdadm")) throw new IllegalArgumentException("unknown tool " + tool);
        final boolean f = force, d = discard;
        if (cmd.equals("primary")) return primary(targets, env, loops, out, err, f);
        return each(targets, env, loops, out, err, (e, s) -> switch (cmd) {
            case "up" -> e.up(s);
            case "down" -> e.down(s);
            case "primary" -> e.primary(s, f);
            case "secondary" -> e.secondary(s, f);
            case "adjust" -> e.adjust(s);
            case "outdate" -> e.outdate(s);
            case "connect" -> e.connect(s, d);
            case "disconnect" -> e.disconnect(s, f);
            case "detach" -> e.detach(s, f);
            case "attach" -> e.attach(s);
            case "resume-io" -> e.resumeIo(s);
            case "role", "dstate", "cstate", "status" -> query(e, s, cmd);
            default -> throw new IllegalArgumentException("drbdadm " + cmd + " is not emulated");
        });
    }

    interface Op {
        EmuResult apply(EmuEngine engine, EmuState state) throws IOException;
    }

    private static int each(List<DrbdResourceConf> targets, EmuEnv env, LoopDevices loops, PrintStream out,
                            PrintStream err, Op op) throws IOException {
        int rc = 0;
        for (DrbdResourceConf r : targets) {
            EmuStore store = new EmuStore(env.dir(), r.name());
            EmuEngine engine = new EmuEngine(r, env, store, loops);
            EmuResult res = engine.tx(s -> {
                engine.tick(s);
                return op.apply(engine, s);
            });
            out.print(res.stdout());
            err.print(res.stderr());
            rc = Math.max(rc, res.exit());
        }
        return rc;
    }

    /** `drbdadm primary`: the fence-peer handler it may need runs between two locked parts, never under the lock. */
    private static int primary(List<DrbdResourceConf> targets, EmuEnv env, LoopDevices loops, PrintStream out,
                               PrintStream err, boolean force) throws IOException {
        int rc = 0;
        for (DrbdResourceConf r : targets) {
            EmuStore store = new EmuStore(env.dir(), r.name());
            EmuEngine engine = new EmuEngine(r, env, store, loops);
            Object first = engine.tx(s -> {
                engine.tick(s);
                return engine.primaryPrepare(s, force);
            });
            EmuResult res;
            if (first instanceof EmuEngine.PendingPrimary p) {
                int status = engine.runHandler(p.call());
                res = engine.tx(s -> engine.primaryAfterFence(s, force, status));
            } else {
                res = (EmuResult) first;
            }
            out.print(res.stdout());
            err.print(res.stderr());
            rc = Math.max(rc, res.exit());
        }
        return rc;
    }

    private static EmuResult query(EmuEngine e, EmuState s, String what) {
        EmuState.Node x = s.node(e.me());
        if (!x.up) {
            if (what.equals("dstate")) {
                return EmuResult.out((x.disk.equals("UpToDate") ? "Consistent" : x.disk) + "\n");
            }
            return e.notUp(what.equals("json") ? "status" : what);
        }
        NodeView v = e.view(s, e.me());
        String peer = e.peerName(e.me());
        boolean nine = e.ids(e.me()).connName().equals(peer);
        return switch (what) {
            case "role" -> EmuResult.out(EmuOutput.role(v, nine));
            case "dstate" -> EmuResult.out(EmuOutput.dstate(v));
            case "cstate" -> EmuResult.out(EmuOutput.cstate(v, nine));
            case "json" -> EmuResult.out(EmuOutput.statusJson(e.ids(e.me()).name(), e.nodeId(e.me()), v,
                    e.nodeId(peer), peer, e.syncDone(s)));
            default -> EmuResult.out(EmuOutput.status(e.ids(e.me()).name(), v, nine, peer, e.syncDone(s)));
        };
    }

    /** Fault injection and cleanup: cut-link RES, restore-link RES, fail-disk NODE RES, node-down NODE, cleanup. */
    private static int drbdemu(List<String> pos, EmuEnv env, LoopDevices loops, PrintStream out, PrintStream err)
            throws IOException {
        if (pos.isEmpty()) throw new IllegalArgumentException("drbdemu cut-link RES | restore-link RES | fail-disk NODE RES | node-down NODE | cleanup | state RES");
        String cmd = pos.get(0);
        if (cmd.equals("cleanup")) return cleanup(env, loops, err);
        Map<String, DrbdResourceConf> all = DrbdConfParser.parseFile(env.conf());
        switch (cmd) {
            case "cut-link", "restore-link", "state" -> {
                DrbdResourceConf r = resource(all, pos, 1);
                EmuEnv asFirst = env.asNode(r.hosts().get(0).name());
                EmuStore store = new EmuStore(env.dir(), r.name());
                EmuEngine e = new EmuEngine(r, asFirst, store, loops);
                EmuResult res = e.tx(s -> {
                    e.tick(s);
                    return switch (cmd) {
                        case "cut-link" -> e.cutLink(s);
                        case "restore-link" -> e.restoreLink(s);
                        default -> EmuResult.out(s.toJson() + "\n");
                    };
                });
                out.print(res.stdout());
                err.print(res.stderr());
                return res.exit();
            }
            case "helper-worker" -> {
                if (pos.size() < 3) throw new IllegalArgumentException("drbdemu helper-worker RES TOKEN");
                return HelperWorker.run(resource(all, pos, 1), env, loops, Long.parseLong(pos.get(2)));
            }
            case "fail-disk" -> {
                if (pos.size() < 3) throw new IllegalArgumentException("drbdemu fail-disk NODE RES");
                DrbdResourceConf r = resource(all, pos, 2);
                EmuStore store = new EmuStore(env.dir(), r.name());
                EmuEngine e = new EmuEngine(r, env.asNode(pos.get(1)), store, loops);
                EmuResult res = e.tx(s -> e.failDisk(s));
                err.print(res.stderr());
                return res.exit();
            }
            case "node-down" -> {
                if (pos.size() < 2) throw new IllegalArgumentException("drbdemu node-down NODE");
                for (DrbdResourceConf r : all.values()) {
                    if (r.host(pos.get(1)).isEmpty()) continue;
                    EmuStore store = new EmuStore(env.dir(), r.name());
                    EmuEngine e = new EmuEngine(r, env.asNode(pos.get(1)), store, loops);
                    e.tx(s -> e.nodeDown(s));
                }
                return 0;
            }
            default -> throw new IllegalArgumentException("unknown drbdemu command " + cmd);
        }
    }

    private static DrbdResourceConf resource(Map<String, DrbdResourceConf> all, List<String> pos, int i) {
        if (pos.size() <= i) throw new IllegalArgumentException("missing resource name");
        DrbdResourceConf r = all.get(pos.get(i));
        if (r == null) throw new IllegalArgumentException("'" + pos.get(i) + "' not defined in your config.");
        if (r.hosts().size() != 2) throw new IllegalArgumentException("the emulator needs exactly two hosts in " + r.name());
        return r;
    }

    /** Removes every loop device, device symlink and forked image the emulator made under HADB_EMU_DIR. */
    private static int cleanup(EmuEnv env, LoopDevices loops, PrintStream err) throws IOException {
        if (!Files.isDirectory(env.dir())) return 0;
        Map<String, DrbdResourceConf> all = Files.exists(env.conf()) ? DrbdConfParser.parseFile(env.conf()) : Map.of();
        int rc = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(env.dir())) {
            for (Path resDir : ds) {
                if (!Files.exists(resDir.resolve("state.json"))) continue;
                String name = resDir.getFileName().toString();
                DrbdResourceConf r = all.get(name);
                EmuStore store = new EmuStore(env.dir(), name);
                try {
                    if (r != null) {
                        EmuEngine e = new EmuEngine(r, env.asNode(r.hosts().get(0).name()), store, loops);
                        store.locked(s -> {
                            e.cleanup(s);
                            return null;
                        });
                    } else {
                        // no configuration any more: detach what the state remembers
                        store.locked(s -> {
                            EmuEngine.killWorkers(s);
                            for (EmuState.Node n : s.nodes.values()) {
                                loops.detach(n.loop);
                                n.loop = "";
                            }
                            return null;
                        });
                    }
                } catch (IOException e) {
                    err.println("emulator: cleanup of " + name + ": " + e.getMessage());
                    rc = 1;
                }
            }
        }
        return rc;
    }
}
