package io.hadb.testbed.lb;

import io.hadb.agent.exec.CommandResult;
import io.hadb.agent.exec.CommandRunner;

import io.hadb.testbed.NetnsCommand;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A balancer in namespaces of the test's own: the lb namespace, one namespace per fake backend
 * (10.213.1.11, .12, ...) and a client namespace (10.213.0.50). close() removes all of it.
 */
final class LbFixture implements AutoCloseable {
    final CommandRunner runner = new CommandRunner();
    final String prefix = "hlbt" + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
    final LbNetwork net;
    final List<FakeBackend> backends = new ArrayList<>();
    final NetnsSockets client;
    LoadBalancer lb;

    LbFixture(int backendCount) throws IOException {
        net = LbNetwork.create(prefix, runner);
        NetnsSockets c = null;
        try {
            for (int i = 1; i <= backendCount; i++) {
                String ns = prefix + "-b" + i;
                String addr = "10.213.1." + (10 + i);
                net.attachBackend(ns, LbSettings.ipv4(addr));
                backends.add(new FakeBackend("b" + i, ns, addr));
            }
            net.attachClient(prefix + "-c", LbSettings.ipv4("10.213.0.50"));
            c = new NetnsSockets(prefix + "-c");
        } catch (IOException | RuntimeException e) {
            for (FakeBackend b : backends) b.close();
            net.close();
            throw e;
        }
        client = c;
    }

    LoadBalancer start(LbSettings settings, Function<FakeBackend, ProbeSpec> probe) throws IOException {
        List<Backend> pool = new ArrayList<>();
        for (FakeBackend b : backends) pool.add(new Backend(b.name, LbSettings.ipv4(b.address), probe.apply(b)));
        lb = LoadBalancer.start(net, settings, pool, e -> System.out.println("[" + prefix + "] " + e.line()));
        return lb;
    }

    static LbSettings settings(int threshold) {
        return LbSettings.defaults(FakeBackend.SERVICE_PORT).withProbe(Duration.ofSeconds(1), threshold);
    }

    /** A connection from the client namespace to the frontend, with a connect timeout. */
    SocketChannel connect(Duration timeout) throws IOException {
        SocketChannel ch = client.openTcp();
        try {
            ch.socket().connect(new InetSocketAddress(LbNetwork.FRONTEND, FakeBackend.SERVICE_PORT), (int) timeout.toMillis());
            ch.socket().setSoTimeout(5000);
            return ch;
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }

    static BufferedReader reader(SocketChannel ch) throws IOException {
        return new BufferedReader(new InputStreamReader(ch.socket().getInputStream(), StandardCharsets.US_ASCII));
    }

    boolean up(String backend) {
        return lb.status().stream().anyMatch(s -> s.name().equals(backend) && s.up());
    }

    /** Probe and state events of one backend, in order. */
    List<LbEvent> history(String backend) {
        return lb.events().stream()
                .filter(e -> backend.equals(e.backend()) && (e.kind() == LbEvent.Kind.PROBE || e.kind() == LbEvent.Kind.STATE))
                .toList();
    }

    /** Adds (true) or removes (false) a rule in the backend's own namespace that drops the TCP probe's packets. */
    void silenceTcpProbe(FakeBackend b, boolean silent) throws IOException {
        String text = silent
                ? "table inet hlbt_silence {\n chain in { type filter hook input priority 0; tcp dport "
                        + FakeBackend.TCP_PROBE_PORT + " drop\n }\n}\n"
                : "delete table inet hlbt_silence\n";
        CommandResult r = runner.run(Duration.ofSeconds(10), NetnsCommand.with(b.namespace, "nft", "-f", "-"),
                java.util.Map.of(), text.getBytes(StandardCharsets.US_ASCII));
        if (!r.ok()) throw new IOException(r.summary());
    }

    /** Waits (not a timing assertion: a generous bound so a broken balancer fails instead of hanging). */
    static void await(String what, BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("never happened: " + what);
            Thread.sleep(50);
        }
    }

    @Override
    public void close() {
        if (lb != null) lb.close();
        client.close();
        for (FakeBackend b : backends) b.close();
        net.close();
    }
}
