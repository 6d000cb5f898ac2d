package io.hadb.testbed.lb;

/**
 * How the balancer probes one backend, as Azure's health probe does: TCP (a completed handshake
 * is healthy) or HTTP (a 200 answer to GET path is healthy), on a port of the backend's address.
 */
public record ProbeSpec(Kind kind, int port, String path) {
    public enum Kind { TCP, HTTP }

    public ProbeSpec {
        if (kind == null) throw new IllegalArgumentException("probe kind is missing");
        if (port < 1 || port > 65535) throw new IllegalArgumentException("probe port " + port + " is not in 1..65535");
        if (kind == Kind.HTTP && (path == null || !path.startsWith("/") || path.chars().anyMatch(c -> c <= ' ')))
            throw new IllegalArgumentException("HTTP probe path '" + path + "' must start with / and hold no spaces");
        if (kind == Kind.TCP) path = null;
    }

    public static ProbeSpec tcp(int port) {
        return new ProbeSpec(Kind.TCP, port, null);
    }

    public static ProbeSpec http(int port, String path) {
        return new ProbeSpec(Kind.HTTP, port, path);
    }

    @Override
    public String toString() {
        return kind == Kind.TCP ? "tcp:" + port : "http:" + port + path;
    }
}
