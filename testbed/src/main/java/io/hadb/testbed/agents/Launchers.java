package io.hadb.testbed.agents;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** How to run an agent: from this JVM's class path (tests), or through the repository's launcher (benchmarks). */
public final class Launchers {
    /** The launcher script's JVM flags, kept in step with packaging/bin/hadb-agent. */
    public static final List<String> JVM_FLAGS = List.of("-Xms16m", "-Xmx64m", "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1", "-Xss512k", "-XX:MaxMetaspaceSize=64m", "-XX:ReservedCodeCacheSize=16m",
            "-XX:MaxDirectMemorySize=16m", "-XX:CICompilerCount=1", "-XX:-UsePerfData",
            "-Dio.netty.allocator.type=unpooled");

    private Launchers() {}

    /** java with the launcher's flags and this JVM's class path (which holds the agent's classes in tests). */
    public static List<String> classPath() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var cmd = new java.util.ArrayList<String>();
        cmd.add(java);
        cmd.addAll(JVM_FLAGS);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.hadb.agent.AgentMain"));
        return cmd;
    }

    /** packaging/bin/hadb-agent of the repository at {@code root}, when it and the shaded jar exist. */
    public static List<String> script(Path root) {
        Path s = root.resolve("packaging/bin/hadb-agent");
        if (!Files.isExecutable(s)) throw new IllegalStateException(s + " not found");
        return List.of(s.toString());
    }
}
