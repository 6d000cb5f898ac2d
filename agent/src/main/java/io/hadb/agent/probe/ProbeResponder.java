package io.hadb.agent.probe;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The load balancer's probes. The TCP probe port is bound only while {@link #setHealthy} says so: Azure's TCP
 * probe counts a completed handshake as healthy, so an unhealthy node must refuse (its listening socket is
 * closed), not stay silent, and a healthy one closes each accepted connection at once without data. The HTTP
 * port is always bound and answers from the last {@link NodeState} and the probe flag, never blocking.
 *
 * <p>All opening and closing of the probe port happens on one event loop, so requests from any thread are
 * applied in order; each returns a future that completes with the moment the port reached the requested
 * state. Thread-safe, but requests are meant to come from one thread (the agent's loop): requests racing from
 * several threads are applied in an order of their own.
 *
 * <p>With a {@link ProbeGate} ({@link #useGate}) the kernel also stops completing the port's handshakes at the
 * deadline last given to {@link #allowUntil}, whether or not this process runs then: the gate is attached to
 * each new listening socket before the open is reported, holds that deadline while the port is open, and 0
 * once it has been closed normally. GET /master honours the same deadline, gate or not.
 */
public final class ProbeResponder implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("hadb.probe");
    /** Listen backlog for both ports; the kernel caps it at net.core.somaxconn. */
    static final int BACKLOG = 4096;
    /** An HTTP client that sends nothing for this long is disconnected, so idle keep-alives cannot pile up. */
    static final int HTTP_IDLE_SECONDS = 30;
    /** How long to wait for the selector to release a closed probe socket before reporting it closed anyway. */
    private static final long RELEASE_WAIT_NANOS = 1_000_000_000L;

    private final EventLoopGroup group;
    private final boolean ownsGroup;
    private final EventLoop control; // every probe-port transition runs here
    private final InetSocketAddress requestedTcp;
    private final Channel http;

    // the probe port's state: touched on `control` only, except `open`, which the HTTP side reads
    private volatile boolean open;
    // the latest request, set on the caller's thread: a close is visible to HTTP before the loop gets to it
    private volatile boolean wanted;
    private boolean desired;
    private Channel tcp;
    private ChannelFuture binding;
    private ProbeServerChannel closing; // closed, but its descriptor not yet released by the selector
    private InetSocketAddress tcpAddress; // port 0 is resolved at the first bind and kept
    private final List<Waiter> waiters = new ArrayList<>();
    private boolean closed;
    // the kernel-side deadline, optional; under gateLock, since allowUntil writes it from the caller's thread
    private final Object gateLock = new Object();
    private ProbeGate gate;
    private volatile long allowedUntil; // read without the lock by GET /master
    private volatile boolean deadlineGiven;
    private boolean gated; // a listening socket with the gate attached exists: the map holds allowedUntil
    private volatile boolean gateActive;

    private record Waiter(CompletableFuture<ProbeTransition> future, long requestedNanos, boolean wasOpen) {
    }

    private ProbeResponder(EventLoopGroup group, boolean ownsGroup, InetSocketAddress tcp, InetSocketAddress http,
            Supplier<NodeState> state, Supplier<String> metrics) throws InterruptedException {
        this.group = group;
        this.ownsGroup = ownsGroup;
        this.control = group.next();
        this.requestedTcp = tcp;
        this.tcpAddress = tcp;
        ProbeHttpHandler handler = new ProbeHttpHandler(new ProbeRoutes(this::answersHealthy, state, metrics));
        this.http = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, BACKLOG)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new ReadTimeoutHandler(HTTP_IDLE_SECONDS),
                                new HttpServerCodec(4096, 8192, 8192),
                                new HttpObjectAggregator(8192),
                                handler);
                    }
                })
                .bind(http).sync().channel();
        LOG.info("probe HTTP listening on " + http() + (metrics != null ? " (with /metrics)" : "")
                + "; TCP probe port " + tcp + " closed until this node is the healthy master");
    }

    /**
     * Binds the HTTP port and prepares the (closed) TCP probe port, on a one-thread NIO loop of its own.
     * Call from a thread that is not an event loop: it waits for the bind.
     *
     * @param tcp the TCP probe address; port 0 means a port the kernel picks at the first open, kept after
     * @param http the HTTP address (port 0: any free port, see {@link #http()})
     * @param state the agent's latest state; called on every HTTP request, must return at once
     * @param metrics the Prometheus text for GET /metrics, or null for no /metrics
     */
    public static ProbeResponder start(InetSocketAddress tcp, InetSocketAddress http, Supplier<NodeState> state,
            Supplier<String> metrics) throws InterruptedException {
        EventLoopGroup g = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            return new ProbeResponder(g, true, tcp, http, state, metrics);
        } catch (RuntimeException | InterruptedException e) {
            g.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** As {@link #start(InetSocketAddress, InetSocketAddress, Supplier, Supplier)}, on a group the caller owns. */
    public static ProbeResponder start(EventLoopGroup group, InetSocketAddress tcp, InetSocketAddress http,
            Supplier<NodeState> state, Supplier<String> metrics) throws InterruptedException {
        return new ProbeResponder(Objects.requireNonNull(group), false, tcp, http, state, metrics);
    }

    /** The HTTP port's bound address. */
    public InetSocketAddress http() {
        return (InetSocketAddress) http.localAddress();
    }

    /** The TCP probe address: the configured one, or with port 0 resolved once the port has been open. */
    public InetSocketAddress tcp() {
        return tcpAddress; // written on the loop; a stale read shows the configured address, which is harmless
    }

    /** Whether the TCP probe port is bound right now (and GET /master answers 200). */
    public boolean isHealthy() {
        return open && wanted;
    }

    /**
     * Opens (true) or closes (false) the TCP probe port. Idempotent: asking for the state it is in completes
     * at once with {@code changed == false}. When a later request overtakes this one before it took effect,
     * the future completes with the state reached. Closing takes effect for GET /master at once. A failed bind
     * (the port is taken) completes the future exceptionally and leaves the port closed.
     */
    public CompletableFuture<ProbeTransition> setHealthy(boolean healthy) {
        CompletableFuture<ProbeTransition> f = new CompletableFuture<>();
        long t0 = System.nanoTime();
        wanted = healthy; // a close is seen by GET /master from now on, before the socket is even closed
        Runnable r = () -> {
            if (closed) {
                f.completeExceptionally(new IllegalStateException("probe responder is closed"));
                return;
            }
            waiters.add(new Waiter(f, t0, tcp != null));
            desired = healthy;
            reconcile();
        };
        if (control.inEventLoop()) r.run();
        else control.execute(r);
        return f;
    }

    /** Moves the probe port one step toward {@link #desired}; called again when a bind completes. */
    private void reconcile() {
        if (binding != null || closing != null) return; // their completion calls us again
        if (desired && tcp == null) {
            binding = new ServerBootstrap().group(control).channelFactory(ProbeServerChannel::new)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .option(ChannelOption.SO_BACKLOG, BACKLOG)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childHandler(CloseAtOnce.INSTANCE)
                    .bind(tcpAddress);
            binding.addListener((ChannelFuture bf) -> {
                binding = null;
                if (bf.isSuccess()) {
                    tcp = bf.channel();
                    tcpAddress = (InetSocketAddress) tcp.localAddress();
                    synchronized (gateLock) {
                        if (gate != null) attachGate();
                    }
                    open = desired;
                    reconcile();
                } else {
                    if (!desired) { // a close overtook the open: the port is closed, as asked last
                        settle();
                        return;
                    }
                    LOG.warning("probe port " + tcpAddress + " cannot be opened: " + bf.cause()
                            + "; it stays closed and this node is not reported healthy");
                    desired = false;
                    failWaiters(bf.cause());
                }
            });
            return;
        }
        if (!desired && tcp != null) {
            open = false;
            ProbeServerChannel c = (ProbeServerChannel) tcp;
            tcp = null;
            closing = c;
            // closing the listening socket resets whatever waits in its accept queue: from here on, refused
            long deadline = System.nanoTime() + RELEASE_WAIT_NANOS;
            c.close().addListener(cf -> awaitReleased(c, deadline));
            return;
        }
        open = tcp != null;
        settle();
    }

    /**
     * Settles once the selector has released the closed socket. A scheduled task runs only after the loop's
     * next select, which is where the JDK releases it, so this normally succeeds on the first retry.
     */
    private void awaitReleased(ProbeServerChannel c, long deadline) {
        boolean late = System.nanoTime() - deadline > 0;
        if (c.released() || late) {
            if (!c.released())
                LOG.warning("probe port " + tcpAddress + " closed but its socket was not released within "
                        + RELEASE_WAIT_NANOS / 1_000_000 + " ms; reporting it closed anyway");
            closing = null;
            synchronized (gateLock) {
                if (gate != null && gated) writeGate(0); // closed normally: the deadline no longer matters
                gated = false;
            }
            reconcile();
            return;
        }
        control.schedule(() -> awaitReleased(c, deadline), 50, TimeUnit.MICROSECONDS);
    }

    /**
     * Puts the TCP probe port behind {@code g} from its next open (or at once, if it is open) and makes the
     * responder its owner: it closes the gate when it closes. Until {@link #allowUntil} is called the deadline
     * is 0, so set it before the port opens.
     */
    public void useGate(ProbeGate g) {
        Objects.requireNonNull(g);
        onControl(() -> {
            synchronized (gateLock) {
                if (closed) {
                    g.close();
                    return;
                }
                if (gate != null) gate.close();
                gate = g;
                gated = false;
                gateActive = true;
                if (tcp != null) attachGate();
            }
        });
    }

    /**
     * The gated port completes handshakes only until {@code monotonicNanos} (a {@link System#nanoTime()}
     * value) while it is open; the kernel enforces it even if this process is frozen. In force when this
     * returns (one bpf(2) call). GET /master follows the same deadline, with or without a gate.
     */
    public void allowUntil(long monotonicNanos) {
        synchronized (gateLock) {
            allowedUntil = monotonicNanos;
            deadlineGiven = true;
            if (gate != null && gated) writeGate(monotonicNanos);
        }
    }

    /**
     * What GET /master answers: the probe port is open and, once {@link #allowUntil} has been called, its
     * deadline has not passed. With or without a gate, a thawed agent's HTTP loop answers 503 past the
     * deadline even before the agent has closed the port.
     */
    private boolean answersHealthy() {
        return isHealthy() && (!deadlineGiven || System.nanoTime() < allowedUntil);
    }

    /** Whether a gate is in use and (when the port is open) attached to its socket: the metric's value. */
    public boolean gateActive() {
        return gateActive;
    }

    private void onControl(Runnable r) {
        if (control.inEventLoop()) r.run();
        else control.execute(r);
    }

    /** The deadline first, then the attach: a socket is never gated with a stale deadline. Under gateLock. */
    private void attachGate() {
        int port = ((InetSocketAddress) tcp.localAddress()).getPort();
        if (!writeGate(allowedUntil)) return;
        try {
            List<Integer> fds = gate.attach(port);
            gated = true;
            LOG.fine("probe gate attached to port " + port + " (fd " + fds + "), handshakes until +"
                    + (allowedUntil - System.nanoTime()) / 1_000_000 + " ms");
            gateActive = true;
        } catch (ProbeGateException e) {
            gateActive = false;
            LOG.warning("probe gate not attached to port " + port + ": " + e.getMessage()
                    + "; a frozen master may answer probes for a few ms after its lease");
        }
    }

    private boolean writeGate(long until) {
        try {
            gate.allowUntil(until);
            return true;
        } catch (ProbeGateException e) {
            if (gateActive) LOG.warning("probe gate deadline not set: " + e.getMessage()
                    + "; a frozen master may answer probes for a few ms after its lease");
            gateActive = false;
            return false;
        }
    }

    private void settle() {
        if (binding != null || closing != null || (desired != (tcp != null))) return; // not there yet
        long now = System.nanoTime();
        Instant at = Instant.now();
        boolean isOpen = tcp != null;
        List<Waiter> ws = new ArrayList<>(waiters);
        waiters.clear();
        boolean logged = false;
        for (Waiter w : ws) {
            ProbeTransition t = new ProbeTransition(isOpen, w.wasOpen != isOpen, at, Duration.ofNanos(now - w.requestedNanos));
            if (t.changed() && !logged) {
                LOG.info("probe port " + tcpAddress + (isOpen ? " opened: this node answers the load balancer as master"
                        : " closed: connections are refused") + " (" + t.took().toNanos() / 1000 + " µs after the request)");
                logged = true;
            }
            w.future.complete(t);
        }
    }

    private void failWaiters(Throwable cause) {
        List<Waiter> ws = new ArrayList<>(waiters);
        waiters.clear();
        for (Waiter w : ws) w.future.completeExceptionally(cause);
    }

    /**
     * Closes both ports and, when it owns it, shuts the event loop down. Waits up to a few seconds, so call it
     * from a thread that is not the responder's event loop.
     */
    @Override
    public void close() {
        wanted = false;
        CompletableFuture<Void> done = new CompletableFuture<>();
        control.execute(() -> {
            closed = true;
            desired = false;
            Runnable finish = () -> {
                List<ChannelFuture> cs = new ArrayList<>();
                if (tcp != null) cs.add(tcp.close());
                tcp = null;
                cs.add(http.close());
                synchronized (gateLock) {
                    if (gate != null) gate.close(); // the closing socket keeps its own reference to the program
                    gate = null;
                    gated = false;
                    gateActive = false;
                }
                failWaiters(new IllegalStateException("probe responder is closed"));
                CompletableFuture.allOf(cs.stream().map(ProbeResponder::toCompletable).toArray(CompletableFuture[]::new))
                        .whenComplete((v, e) -> done.complete(null));
            };
            if (binding != null) binding.addListener(bf -> {
                if (bf.isSuccess()) ((ChannelFuture) bf).channel().close();
                finish.run();
            });
            else finish.run();
        });
        try {
            done.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.log(Level.WARNING, "probe ports did not close in time: " + e);
        }
        if (ownsGroup) group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static CompletableFuture<Void> toCompletable(ChannelFuture f) {
        CompletableFuture<Void> c = new CompletableFuture<>();
        f.addListener(x -> c.complete(null));
        return c;
    }

    /** The probe's whole answer: the handshake already happened in the kernel; close without a byte. */
    @Sharable
    private static final class CloseAtOnce extends ChannelInboundHandlerAdapter {
        static final CloseAtOnce INSTANCE = new CloseAtOnce();

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
