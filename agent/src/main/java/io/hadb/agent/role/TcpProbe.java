package io.hadb.agent.role;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.logging.Logger;

/**
 * A TCP probe as Azure's load balancer reads it: a completed handshake is healthy. While healthy the port
 * listens and every connection is closed at once; while not, nothing listens and connections are refused
 * (not left hanging, so the balancer marks the node down at its next probe).
 */
public final class TcpProbe implements ProbeSwitch {
    private static final Logger LOG = Logger.getLogger("hadb.probe");
    private final InetSocketAddress address;
    private ServerSocketChannel channel;
    private Thread acceptor;

    public TcpProbe(InetSocketAddress address) {
        this.address = address;
    }

    @Override
    public synchronized void setHealthy(boolean healthy) throws IOException {
        if (healthy == healthy()) return;
        if (healthy) {
            ServerSocketChannel ch = ServerSocketChannel.open();
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ch.bind(address, 4096);
            channel = ch;
            acceptor = new Thread(() -> acceptLoop(ch), "probe-accept");
            acceptor.setDaemon(true);
            acceptor.start();
            LOG.info("probe open on " + address);
        } else {
            channel.close();
            channel = null;
            LOG.info("probe closed on " + address);
        }
    }

    private static void acceptLoop(ServerSocketChannel ch) {
        while (ch.isOpen()) {
            try (SocketChannel c = ch.accept()) {
                // the handshake is the answer: close without data
            } catch (IOException e) {
                return;
            }
        }
    }

    @Override
    public synchronized boolean healthy() {
        return channel != null && channel.isOpen();
    }

    @Override
    public synchronized void close() {
        try {
            if (channel != null) channel.close();
        } catch (IOException ignored) {
            // closing a listener that is already gone
        }
        channel = null;
    }
}
