package io.hadb.agent.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadb.agent.drbd.DrbdConnectionState;
import io.hadb.agent.drbd.DrbdDiskState;
import io.hadb.agent.drbd.DrbdRole;
import io.hadb.agent.metrics.AgentMetrics;
import io.hadb.agent.mysql.HealthStatus;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * 1,000 TCP probes and 1,000 HTTP probes at once against a healthy master, while a task scheduled every 10 ms
 * on the agent's loop stands in for the heartbeat. Asserts that every probe got the right answer and none was
 * refused; the heartbeat's worst delay is printed, not asserted (only that it kept running).
 */
class ProbeLoadTest {
    static final int PROBES = 1000;
    static final long HEARTBEAT_MS = 10;

    /** What one probe saw: an HTTP status, or for TCP 0 = handshake then closed without data; or an error. */
    private final Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();

    private void count(String outcome) {
        outcomes.computeIfAbsent(outcome, k -> new AtomicInteger()).incrementAndGet();
    }

    private int outcome(String o) {
        AtomicInteger n = outcomes.get(o);
        return n == null ? 0 : n.get();
    }

    @ParameterizedTest(name = "responder on the agent''s loop: {0}")
    @ValueSource(booleans = {false, true})
    void aThousandTcpAndAThousandHttpProbesAreAllAnsweredWhileTheHeartbeatRuns(boolean sharedLoop) throws Exception {
        EventLoopGroup agentLoop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup clients = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        AgentMetrics metrics = new AgentMetrics();
        NodeState master = new NodeState("node1", "master", 3, "node1", true, Duration.ofSeconds(2), DrbdRole.PRIMARY,
                DrbdDiskState.UPTODATE, DrbdConnectionState.CONNECTED, 0, HealthStatus.HEALTHY, Instant.now());
        InetSocketAddress tcpAt = new InetSocketAddress(ProbeResponderTest.LOOPBACK, ProbeResponderTest.freePort());
        InetSocketAddress httpAt = new InetSocketAddress(ProbeResponderTest.LOOPBACK, 0);
        ProbeResponder probe = sharedLoop ? ProbeResponder.start(agentLoop, tcpAt, httpAt, () -> master, metrics::scrape)
                : ProbeResponder.start(tcpAt, httpAt, () -> master, metrics::scrape);
        ScheduledFuture<?> heartbeat = null;
        try {
            assertTrue(probe.setHealthy(true).get(10, TimeUnit.SECONDS).healthy());
            AtomicLong maxDelayNanos = new AtomicLong();
            AtomicLong ticksDuringLoad = new AtomicLong();
            java.util.List<Long> delays = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            AtomicLong loading = new AtomicLong(); // 1 while probes are in flight
            long start = System.nanoTime();
            AtomicLong tick = new AtomicLong();
            heartbeat = agentLoop.scheduleAtFixedRate(() -> {
                long due = start + tick.getAndIncrement() * HEARTBEAT_MS * 1_000_000;
                long late = System.nanoTime() - due;
                if (loading.get() == 1) {
                    maxDelayNanos.accumulateAndGet(late, Math::max);
                    delays.add(late);
                    ticksDuringLoad.incrementAndGet();
                }
                metrics.term(tick.get()); // the agent updates metrics from its loop while they are scraped
            }, 0, HEARTBEAT_MS, TimeUnit.MILLISECONDS);
            String[] paths = {"/master", "/health", "/replica", "/metrics"};
            // a first, unmeasured round so the JIT has compiled both sides before the measured one
            CountDownLatch warm = new CountDownLatch(2 * PROBES / 4);
            for (int i = 0; i < PROBES / 4; i++) {
                tcpProbe(clients, probe.tcp(), warm);
                httpProbe(clients, probe.http(), paths[i % paths.length], warm);
            }
            assertTrue(warm.await(120, TimeUnit.SECONDS), "warm-up finished: " + outcomes);
            assertEquals(PROBES / 4, outcome("tcp:handshake"), "warm-up: " + outcomes);
            outcomes.clear();
            Thread.sleep(100);

            CountDownLatch done = new CountDownLatch(2 * PROBES);
            loading.set(1);
            long t0 = System.nanoTime();
            for (int i = 0; i < PROBES; i++) {
                tcpProbe(clients, probe.tcp(), done);
                httpProbe(clients, probe.http(), paths[i % paths.length], done);
            }
            assertTrue(done.await(120, TimeUnit.SECONDS), "every probe finished; outcomes so far " + outcomes);
            long tookMs = (System.nanoTime() - t0) / 1_000_000;
            // let the heartbeat see the tail of the load
            Thread.sleep(3 * HEARTBEAT_MS);
            loading.set(0);

            long[] d = delays.stream().mapToLong(Long::longValue).sorted().toArray();
            System.out.printf("probe load (responder %s): %d TCP + %d HTTP probes in %d ms; heartbeat every %d ms "
                    + "ran %d times meanwhile, delay median %.1f ms, p99 %.1f ms, worst %.1f ms; outcomes %s%n",
                    sharedLoop ? "on the agent's loop" : "on its own loop", PROBES, PROBES, tookMs, HEARTBEAT_MS,
                    ticksDuringLoad.get(), d.length == 0 ? 0 : d[d.length / 2] / 1e6,
                    d.length == 0 ? 0 : d[(int) (d.length * 0.99)] / 1e6, maxDelayNanos.get() / 1e6, outcomes);
            assertEquals(PROBES, outcome("tcp:handshake"), "every TCP probe completed its handshake: " + outcomes);
            assertEquals(PROBES / 4, outcome("GET /master:200"), outcomes.toString());
            assertEquals(PROBES / 4, outcome("GET /health:200"), outcomes.toString());
            assertEquals(PROBES / 4, outcome("GET /replica:503"), "the master is no replica: " + outcomes);
            assertEquals(PROBES / 4, outcome("GET /metrics:200"), outcomes.toString());
            assertEquals(5, outcomes.size(), "no other outcome (refused, reset, data on the TCP port): " + outcomes);
            assertTrue(ticksDuringLoad.get() > 0, "the heartbeat kept running during the load");
            // generous: the point is that it is never stuck behind the probes (2 shared cores, GC, JIT)
            assertTrue(maxDelayNanos.get() < 5_000_000_000L, "heartbeat delayed " + maxDelayNanos.get() / 1e6 + " ms");
        } finally {
            if (heartbeat != null) heartbeat.cancel(false);
            probe.close();
            clients.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            agentLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private void tcpProbe(EventLoopGroup clients, InetSocketAddress to, CountDownLatch done) {
        AtomicInteger bytes = new AtomicInteger();
        ChannelFuture f = client(clients, new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                bytes.addAndGet(((ByteBuf) msg).readableBytes());
                ReferenceCountUtil.release(msg);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                count(bytes.get() == 0 ? "tcp:handshake" : "tcp:sent data");
                done.countDown();
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                count("tcp:" + cause.getClass().getSimpleName()); // a reset would show here
                ctx.close();
            }
        }).connect(to);
        f.addListener(c -> {
            if (!c.isSuccess()) {
                count("tcp connect:" + c.cause().getClass().getSimpleName());
                done.countDown();
            }
        });
    }

    private void httpProbe(EventLoopGroup clients, InetSocketAddress to, String path, CountDownLatch done) {
        StringBuilder response = new StringBuilder();
        ChannelFuture f = client(clients, new ChannelInboundHandlerAdapter() {
            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                String req = "GET " + path + " HTTP/1.1\r\nHost: probe\r\nUser-Agent: Load Balancer Agent\r\n"
                        + "Connection: close\r\n\r\n";
                ctx.writeAndFlush(Unpooled.copiedBuffer(req, StandardCharsets.US_ASCII));
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                response.append(((ByteBuf) msg).toString(StandardCharsets.UTF_8));
                ReferenceCountUtil.release(msg);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                String[] status = response.toString().split(" ", 3);
                count("GET " + path + ":" + (status.length > 1 ? status[1] : "no response"));
                done.countDown();
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                count("http:" + cause.getClass().getSimpleName());
                ctx.close();
            }
        }).connect(to);
        f.addListener(c -> {
            if (!c.isSuccess()) {
                count("http connect:" + c.cause().getClass().getSimpleName());
                done.countDown();
            }
        });
    }

    private static Bootstrap client(EventLoopGroup clients, ChannelInboundHandlerAdapter handler) {
        return new Bootstrap().group(clients).channelFactory(NioSocketChannel::new)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 60_000).handler(handler);
    }
}
