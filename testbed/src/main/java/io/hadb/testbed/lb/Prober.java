package io.hadb.testbed.lb;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * One probe of one backend, from inside the lb namespace, with Azure's verdicts: TCP succeeds on
 * a completed handshake (closed at once, no data); HTTP succeeds only on status 200. A refusal,
 * a reset or any other HTTP answer fails at once; nothing within the timeout is SILENT, and a
 * silent result is only returned when the timeout has run out, as Azure only knows then.
 */
final class Prober {
    private final NetnsSockets sockets;

    Prober(NetnsSockets sockets) {
        this.sockets = sockets;
    }

    ProbeResult probe(Backend b, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        ProbeResult r;
        try {
            r = attempt(b, deadline);
        } catch (IOException e) {
            r = new ProbeResult(ProbeResult.Outcome.SILENT, "local error: " + e.getMessage());
        }
        if (r.outcome() == ProbeResult.Outcome.SILENT) sleepUntil(deadline);
        return r;
    }

    private ProbeResult attempt(Backend b, long deadline) throws IOException {
        InetSocketAddress to = new InetSocketAddress(b.address(), b.probe().port());
        try (SocketChannel ch = sockets.openTcp()) {
            try {
                ch.socket().connect(to, remainingMillis(deadline));
            } catch (SocketTimeoutException e) {
                return new ProbeResult(ProbeResult.Outcome.SILENT, "no answer to SYN");
            } catch (ConnectException e) {
                String m = String.valueOf(e.getMessage());
                if (m.contains("refused") || m.contains("reset"))
                    return new ProbeResult(ProbeResult.Outcome.FAILED_AT_ONCE, m.contains("refused") ? "refused" : "reset");
                return new ProbeResult(ProbeResult.Outcome.SILENT, m); // unreachable: silence as Azure sees it
            } catch (SocketException e) {
                return new ProbeResult(ProbeResult.Outcome.SILENT, String.valueOf(e.getMessage()));
            }
            if (b.probe().kind() == ProbeSpec.Kind.TCP) return new ProbeResult(ProbeResult.Outcome.SUCCESS, "handshake");
            return http(ch, b, deadline);
        }
    }

    private static ProbeResult http(SocketChannel ch, Backend b, long deadline) throws IOException {
        String req = "GET " + b.probe().path() + " HTTP/1.1\r\nHost: " + b.address().getHostAddress() + ":" + b.probe().port()
                + "\r\nUser-Agent: hadb-testbed-lb\r\nConnection: close\r\n\r\n";
        try {
            ch.socket().getOutputStream().write(req.getBytes(StandardCharsets.US_ASCII));
            ch.socket().setSoTimeout(remainingMillis(deadline));
            String status = statusLine(ch.socket().getInputStream(), deadline);
            if (status == null) return new ProbeResult(ProbeResult.Outcome.FAILED_AT_ONCE, "closed without an HTTP answer");
            String[] f = status.split(" ", 3);
            if (f.length >= 2 && f[0].startsWith("HTTP/1.") && f[1].equals("200"))
                return new ProbeResult(ProbeResult.Outcome.SUCCESS, "HTTP 200");
            String shown = status.length() > 60 ? status.substring(0, 60) : status;
            return new ProbeResult(ProbeResult.Outcome.FAILED_AT_ONCE, "answered '" + shown + "'");
        } catch (SocketTimeoutException e) {
            return new ProbeResult(ProbeResult.Outcome.SILENT, "no HTTP answer");
        } catch (SocketException e) {
            String m = String.valueOf(e.getMessage());
            return new ProbeResult(ProbeResult.Outcome.FAILED_AT_ONCE, m.toLowerCase().contains("reset") ? "reset" : m);
        }
    }

    /** The first line, up to 200 bytes; null when the peer closed first. */
    private static String statusLine(InputStream in, long deadline) throws IOException {
        StringBuilder line = new StringBuilder();
        while (line.length() < 200) {
            int c = in.read();
            if (c < 0) return line.length() == 0 ? null : line.toString();
            if (c == '\n') break;
            if (c != '\r') line.append((char) c);
            if (System.nanoTime() > deadline) throw new SocketTimeoutException("deadline");
        }
        return line.toString();
    }

    private static int remainingMillis(long deadline) {
        return (int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
    }

    private static void sleepUntil(long deadline) {
        long ms = (deadline - System.nanoTime()) / 1_000_000;
        if (ms <= 0) return;
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
