package io.hadb.testbed.lb;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;

/**
 * The balancer's rule: frontend address and port (the backends listen on the same port, as an
 * Azure rule without port translation), probe interval and threshold, what to do with no
 * backend up, and the idle timeout of a flow.
 */
public record LbSettings(Inet4Address frontend, int port, Duration probeInterval, int threshold,
                         NoBackendUpPolicy noBackendUp, Duration idleTimeout) {
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);
    public static final Duration DEFAULT_IDLE = Duration.ofMinutes(4);

    public LbSettings {
        if (frontend == null) throw new IllegalArgumentException("frontend address is missing");
        if (port < 1 || port > 65535) throw new IllegalArgumentException("frontend port " + port + " is not in 1..65535");
        if (probeInterval == null || probeInterval.compareTo(Duration.ofSeconds(1)) < 0 || probeInterval.toMillis() % 1000 != 0)
            throw new IllegalArgumentException("probe interval " + probeInterval + " must be whole seconds, at least 1 s");
        if (threshold < 1 || threshold > 10)
            throw new IllegalArgumentException("probe threshold " + threshold + " is not in 1..10");
        if (noBackendUp == null) throw new IllegalArgumentException("no-backend-up policy is missing");
        if (idleTimeout == null || idleTimeout.compareTo(Duration.ofMinutes(1)) < 0 || idleTimeout.compareTo(Duration.ofMinutes(100)) > 0)
            throw new IllegalArgumentException("idle timeout " + idleTimeout + " is not within 1..100 min (Azure: 4..100, 4 by default)");
    }

    /** Azure's defaults: interval 5 s, threshold 1, all-probed-down, idle 4 min, on LbNetwork's frontend. */
    public static LbSettings defaults(int port) {
        return new LbSettings(LbNetwork.FRONTEND, port, DEFAULT_INTERVAL, 1, NoBackendUpPolicy.ALL_PROBED_DOWN, DEFAULT_IDLE);
    }

    public LbSettings withProbe(Duration interval, int threshold) {
        return new LbSettings(frontend, port, interval, threshold, noBackendUp, idleTimeout);
    }

    public LbSettings withNoBackendUp(NoBackendUpPolicy policy) {
        return new LbSettings(frontend, port, probeInterval, threshold, policy, idleTimeout);
    }

    static Inet4Address ipv4(String text) {
        try {
            if (!text.matches("\\d{1,3}(\\.\\d{1,3}){3}")) throw new IllegalArgumentException("'" + text + "' is not an IPv4 address");
            return (Inet4Address) InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 address", e);
        }
    }
}
