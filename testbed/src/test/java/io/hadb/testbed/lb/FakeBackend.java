package io.hadb.testbed.lb;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Real servers inside a backend namespace, in the test's own JVM (sockets made there by
 * NetnsSockets): a service port that greets with the backend's name and echoes lines, a TCP probe
 * listener that accepts and closes, and an HTTP probe responder whose status the test sets
 * (0 = accept and never answer, -1 = answer garbage).
 */
final class FakeBackend implements AutoCloseable {
    static final int SERVICE_PORT = 3306;
    static final int TCP_PROBE_PORT = 3307;
    static final int HTTP_PROBE_PORT = 8080;

    final String name;
    final String namespace;
    final String address;
    final AtomicInteger httpStatus = new AtomicInteger(200);
    private final NetnsSockets sockets;
    private final List<ServerSocketChannel> servers = new ArrayList<>();
    private final List<Socket> accepted = new ArrayList<>();
    private ServerSocketChannel tcpProbe;

    FakeBackend(String name, String namespace, String address) throws IOException {
        this.name = name;
        this.namespace = namespace;
        this.address = address;
        this.sockets = new NetnsSockets(namespace);
        serve(listen(SERVICE_PORT), this::greetAndEcho, "svc");
        serve(listen(HTTP_PROBE_PORT), this::answerHttp, "http");
        openTcpProbe();
    }

    synchronized void openTcpProbe() throws IOException {
        if (tcpProbe != null) return;
        tcpProbe = listen(TCP_PROBE_PORT);
        serve(tcpProbe, s -> { }, "tcpprobe");
    }

    /** Closes the TCP probe listener: the kernel then refuses (RST) the probes' SYNs. */
    synchronized void closeTcpProbe() throws IOException {
        if (tcpProbe == null) return;
        tcpProbe.close();
        servers.remove(tcpProbe);
        tcpProbe = null;
    }

    private ServerSocketChannel listen(int port) throws IOException {
        ServerSocketChannel ss = sockets.openServer();
        ss.socket().setReuseAddress(true);
        ss.bind(new InetSocketAddress(address, port), 64);
        synchronized (this) {
            servers.add(ss);
        }
        return ss;
    }

    private interface Handler {
        void handle(Socket s) throws IOException;
    }

    private void serve(ServerSocketChannel ss, Handler h, String what) {
        Thread t = new Thread(() -> {
            while (ss.isOpen()) {
                Socket s;
                try {
                    s = ss.socket().accept();
                } catch (IOException e) {
                    return;
                }
                synchronized (this) {
                    accepted.add(s);
                }
                Thread w = new Thread(() -> {
                    try (s) {
                        h.handle(s);
                    } catch (IOException ignored) {
                        // the client went away
                    }
                }, "fake-" + name + "-" + what + "-conn");
                w.setDaemon(true);
                w.start();
            }
        }, "fake-" + name + "-" + what);
        t.setDaemon(true);
        t.start();
    }

    private void greetAndEcho(Socket s) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write((name + "\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = s.getInputStream();
        byte[] b = new byte[1024];
        int n;
        while ((n = in.read(b)) > 0) {
            out.write(b, 0, n);
            out.flush();
        }
    }

    private void answerHttp(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        StringBuilder req = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            req.append((char) c);
            if (req.toString().endsWith("\r\n\r\n")) break;
        }
        int status = httpStatus.get();
        if (status == 0) {
            s.setSoTimeout(20_000);
            try {
                in.read(); // hold the connection open without a word until the prober gives up
            } catch (IOException ignored) {
                // timed out or closed
            }
            return;
        }
        String answer = status < 0 ? "garbage\r\n\r\n"
                : "HTTP/1.1 " + status + " X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        s.getOutputStream().write(answer.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
    }

    @Override
    public synchronized void close() {
        for (ServerSocketChannel ss : servers) {
            try {
                ss.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        for (Socket s : accepted) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        servers.clear();
        accepted.clear();
        sockets.close();
    }
}
