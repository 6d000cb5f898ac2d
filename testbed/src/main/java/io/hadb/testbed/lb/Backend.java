package io.hadb.testbed.lb;

import java.net.Inet4Address;

/** One member of the backend pool: a name for logs and status, its address, and its probe. */
public record Backend(String name, Inet4Address address, ProbeSpec probe) {
    public Backend {
        if (name == null || !name.matches("[a-z0-9][a-z0-9-]{0,11}"))
            throw new IllegalArgumentException("backend name '" + name + "' must be 1-12 of [a-z0-9-]");
        if (address == null) throw new IllegalArgumentException("backend " + name + " has no address");
        if (probe == null) throw new IllegalArgumentException("backend " + name + " has no probe");
    }
}
