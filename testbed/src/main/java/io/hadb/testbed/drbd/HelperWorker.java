package io.hadb.testbed.drbd;

import io.hadb.agent.exec.CommandResult;
import io.hadb.agent.exec.CommandRunner;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * Runs a DRBD handler (fence-peer, after-resync-target, unfence-peer) the way the kernel does:
 * asynchronously to whatever noticed the event. The emulator is a short-lived command, so the
 * command that queued the job starts a detached worker (`drbdemu helper-worker RES TOKEN`, its
 * own session, output appended to DIR/RES/worker.log) which prints `call helper`, runs the
 * handler outside the lock, then prints `response helper` and applies the answer.
 */
final class HelperWorker {
    private static final Duration SPAWN_TIMEOUT = Duration.ofSeconds(10);

    private HelperWorker() {
    }

    /** Starts the worker for job token; setsid -f returns at once, the worker outlives this process. */
    static void spawn(EmuEnv env, String resource, long token) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        String cp = System.getProperty("java.class.path");
        String log = env.dir().resolve(resource).resolve("worker.log").toString();
        String script = "exec \"$0\" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx64m -cp \"$1\" "
                + "io.hadb.testbed.drbd.EmuMain drbdemu -c \"$2\" helper-worker \"$3\" \"$4\" >>\"$5\" 2>&1 </dev/null";
        CommandResult r = new CommandRunner().run(SPAWN_TIMEOUT, List.of("setsid", "-f", "sh", "-c", script, java, cp,
                env.conf().toString(), resource, Long.toString(token), log));
        if (!r.ok()) throw new IOException("emulator: cannot start the handler worker: " + r.summary());
    }

    /** The worker's body: returns 0 whether or not the job was still wanted. */
    static int run(DrbdResourceConf r, EmuEnv env, LoopDevices loops, long token) throws IOException {
        EmuStore store = new EmuStore(env.dir(), r.name());
        String node = store.locked(s -> {
            EmuState.Job j = s.job(token);
            return j == null ? null : j.node;
        });
        if (node == null) return 0;
        EmuEngine e = new EmuEngine(r, env.asNode(node), store, loops);
        long pid = ProcessHandle.current().pid();
        EmuEngine.HandlerCall call = e.tx(s -> e.startJob(s, token, pid));
        if (call == null) return 0;
        int status = e.runHandler(call);
        e.tx(s -> {
            e.finishJob(s, token, status);
            return null;
        });
        return 0;
    }
}
