package io.hadb.agent.drbd;

import java.util.HashMap;
import java.util.Map;

/**
 * What `drbdadm --version` says: the kernel module's version (DRBD_KERNEL_VERSION_CODE, e.g.
 * 0x08040b = 8.4.11) and drbd-utils' (DRBDADM_VERSION). The module decides the output formats:
 * only a DRBD 9 module has `drbdsetup status --json`.
 */
public record DrbdVersion(int kernelMajor, int kernelMinor, int kernelPatch, String utilsVersion) {

    public boolean supportsStatusJson() {
        return kernelMajor >= 9;
    }

    public String kernelVersion() {
        return kernelMajor + "." + kernelMinor + "." + kernelPatch;
    }

    public static DrbdVersion parse(String text) throws DrbdParseException {
        Map<String, String> kv = new HashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) kv.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
        }
        String code = kv.get("DRBD_KERNEL_VERSION_CODE");
        if (code == null) {
            throw new DrbdParseException("no DRBD_KERNEL_VERSION_CODE (is the drbd module loaded?)", text);
        }
        int v;
        try {
            v = Integer.decode(code);
        } catch (NumberFormatException e) {
            throw new DrbdParseException("DRBD_KERNEL_VERSION_CODE is not a number", text);
        }
        if (v <= 0 || v > 0xffffff) throw new DrbdParseException("DRBD_KERNEL_VERSION_CODE out of range", text);
        return new DrbdVersion((v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff, kv.getOrDefault("DRBDADM_VERSION", "unknown"));
    }
}
