package io.hadb.testbed.drbd;

import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * `drbdsetup events2 [--now] [--timestamps] [--statistics] [RES|all]` for one emulated node: the
 * current objects as `exists` lines and `exists -`, then (without --now) every line other
 * emulator processes append to this node's event log, polled every 20 ms. Ends when its node
 * goes down by `drbdemu node-down`, as the real stream dies with its kernel.
 */
final class Events2Tail {
    private record Source(EmuEngine engine, EmuStore store, long[] offset, int incarnation) {
    }

    private Events2Tail() {
    }

    static int run(List<DrbdResourceConf> resources, EmuEnv env, LoopDevices loops, boolean now, boolean timestamps,
                   boolean statistics, PrintStream out) throws IOException, InterruptedException {
        List<Source> sources = new ArrayList<>();
        String ts = EmuEngine.TS.format(Instant.now());
        for (DrbdResourceConf rc : resources) {
            if (rc.host(env.node()).isEmpty()) continue;
            EmuStore store = new EmuStore(env.dir(), rc.name());
            EmuEngine engine = new EmuEngine(rc, env, store, loops);
            long[] offset = new long[1];
            int[] inc = new int[1];
            List<NodeView.Line> dump = engine.tx(s -> {
                engine.tick(s);
                offset[0] = store.logSize(env.node());
                inc[0] = s.node(env.node()).incarnation;
                return engine.view(s, env.node()).dump("exists", engine.ids(env.node()));
            });
            for (NodeView.Line l : dump) out.println((timestamps ? ts + " " : "") + (statistics ? l.full() : l.brief()));
            sources.add(new Source(engine, store, offset, inc[0]));
        }
        out.println((timestamps ? ts + " " : "") + "exists -");
        out.flush();
        if (now) return 0;
        int round = 0;
        while (!out.checkError()) {
            for (Source src : sources) {
                for (String raw : readNew(src.store(), env.node(), src.offset())) {
                    String[] f = raw.split("\t", 3);
                    if (f.length < 3) continue;
                    out.println((timestamps ? f[0] + " " : "") + (statistics ? f[1] : f[2]));
                }
            }
            out.flush();
            if (++round % 5 == 0) {
                for (Source src : sources) {
                    boolean gone = src.engine().tx(s -> {
                        src.engine().tick(s);
                        return s.node(env.node()).incarnation != src.incarnation();
                    });
                    if (gone) {
                        for (String raw : readNew(src.store(), env.node(), src.offset())) {
                            String[] f = raw.split("\t", 3);
                            if (f.length == 3) out.println((timestamps ? f[0] + " " : "") + (statistics ? f[1] : f[2]));
                        }
                        out.flush();
                        return 0;
                    }
                }
            }
            Thread.sleep(20);
        }
        return 0;
    }

    /** Complete lines appended since offset; advances offset past them. */
    private static List<String> readNew(EmuStore store, String node, long[] offset) throws IOException {
        List<String> lines = new ArrayList<>();
        if (!Files.exists(store.eventLog(node))) return lines;
        try (RandomAccessFile f = new RandomAccessFile(store.eventLog(node).toFile(), "r")) {
            long len = f.length();
            if (len <= offset[0]) return lines;
            byte[] buf = new byte[(int) Math.min(len - offset[0], 1 << 20)];
            f.seek(offset[0]);
            f.readFully(buf);
            int last = -1;
            for (int i = buf.length - 1; i >= 0; i--) {
                if (buf[i] == '\n') {
                    last = i;
                    break;
                }
            }
            if (last < 0) return lines;
            String text = new String(buf, 0, last + 1, StandardCharsets.UTF_8);
            offset[0] += last + 1;
            for (String l : text.split("\n")) if (!l.isEmpty()) lines.add(l);
        }
        return lines;
    }
}
