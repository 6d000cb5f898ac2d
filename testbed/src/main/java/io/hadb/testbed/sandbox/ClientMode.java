package io.hadb.testbed.sandbox;

import java.util.Arrays;
import java.util.Locale;

/**
 * How the drill's client connects. What clients feel of a failover depends on it as much as on hadb: a SYN the
 * balancer drops silently (no backend up yet) is retried by the kernel after 1, 3, 7, 15… s, while a client
 * with a short connect timeout retries at once.
 */
public enum ClientMode {
    /** A 1 s connect timeout, then an immediate new attempt. */
    FIXED_RETRY("fixed", "fixed connect timeout 1 s, immediate retry", 1000),
    /** No connect timeout of its own: the kernel's SYN retransmissions (tcp_syn_retries) decide. */
    KERNEL_DEFAULT("kernel", "the kernel's default connect retries (no connect timeout)", 0);

    private final String cliName;
    private final String what;
    private final int connectTimeoutMs;

    ClientMode(String cliName, String what, int connectTimeoutMs) {
        this.cliName = cliName;
        this.what = what;
        this.connectTimeoutMs = connectTimeoutMs;
    }

    public String cliName() {
        return cliName;
    }

    public String what() {
        return what;
    }

    /** MariaDB Connector/J's connectTimeout: 0 leaves the connect to the kernel. */
    int connectTimeoutMs() {
        return connectTimeoutMs;
    }

    public static ClientMode parse(String text) {
        for (ClientMode m : values()) if (m.cliName.equals(text.toLowerCase(Locale.ROOT))) return m;
        throw new IllegalArgumentException("unknown client mode '" + text + "'; one of "
                + Arrays.stream(values()).map(ClientMode::cliName).toList());
    }
}
