package io.hadb.testbed.drbd;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One `resource NAME { ... on HOST { ... } ... }` of a DRBD configuration, as far as the emulator
 * needs it: each host's device, backing disk and address, in the order the file lists them
 * (the order gives DRBD 9 node ids), and the `net`/`disk`/`handlers` options kept as text.
 */
record DrbdResourceConf(String name, List<Host> hosts, Map<String, String> options) {

    record Host(String name, String device, String disk, String address, String metaDisk) {
        /** The minor from the device path's trailing digits (/dev/drbd1 -> 1); 0 when there are none. */
        int minor() {
            int i = device.length();
            while (i > 0 && Character.isDigit(device.charAt(i - 1))) i--;
            return i == device.length() ? 0 : Integer.parseInt(device.substring(i));
        }
    }

    Optional<Host> host(String node) {
        return hosts.stream().filter(h -> h.name().equals(node)).findFirst();
    }

    /** The one other host of a two-node resource. */
    Optional<Host> peerOf(String node) {
        return hosts.stream().filter(h -> !h.name().equals(node)).findFirst();
    }

    /** `fencing` from the `disk` (8.4) or `net` (9) section: dont-care, resource-only or resource-and-stonith. */
    String fencing() {
        return options.getOrDefault("disk.fencing", options.getOrDefault("net.fencing", "dont-care"));
    }

    boolean fencingEnabled() {
        return !fencing().equals("dont-care");
    }

    /** The command line of `handlers { NAME "..."; }`, if configured. */
    Optional<String> handler(String name) {
        return Optional.ofNullable(options.get("handlers." + name));
    }

    /** `global { cmd-timeout-long SECONDS; }`, if set. */
    Optional<java.time.Duration> cmdTimeoutLong() {
        String v = options.get("global.cmd-timeout-long");
        if (v == null) return Optional.empty();
        try {
            return Optional.of(java.time.Duration.ofSeconds(Long.parseLong(v.strip())));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("cmd-timeout-long must be a number of seconds, not '" + v + "'");
        }
    }

    int nodeId(String node) {
        for (int i = 0; i < hosts.size(); i++) if (hosts.get(i).name().equals(node)) return i;
        return -1;
    }
}
