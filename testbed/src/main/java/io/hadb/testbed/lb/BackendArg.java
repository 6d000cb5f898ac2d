package io.hadb.testbed.lb;

/**
 * One --backend argument of LbMain: "NAME,ns=NAMESPACE,addr=10.213.1.X,probe=tcp:PORT" or
 * "...,probe=http:PORT/PATH". The namespace is created when missing and attached to the back bridge.
 */
record BackendArg(Backend backend, String namespace) {
    static BackendArg parse(String text) {
        String[] parts = text.split(",");
        String ns = null, addr = null, probe = null;
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            if (eq < 0) throw new IllegalArgumentException("backend '" + text + "': '" + parts[i] + "' is not KEY=VALUE");
            String v = parts[i].substring(eq + 1);
            switch (parts[i].substring(0, eq)) {
                case "ns" -> ns = v;
                case "addr" -> addr = v;
                case "probe" -> probe = v;
                default -> throw new IllegalArgumentException("backend '" + text + "': unknown key '" + parts[i].substring(0, eq)
                        + "' (ns, addr, probe)");
            }
        }
        if (ns == null || addr == null || probe == null)
            throw new IllegalArgumentException("backend '" + text + "' needs ns=, addr= and probe=");
        return new BackendArg(new Backend(parts[0], LbSettings.ipv4(addr), probe(probe)), ns);
    }

    private static ProbeSpec probe(String p) {
        try {
            if (p.startsWith("tcp:")) return ProbeSpec.tcp(Integer.parseInt(p.substring(4)));
            if (p.startsWith("http:")) {
                int slash = p.indexOf('/', 5);
                if (slash < 0) throw new IllegalArgumentException("HTTP probe '" + p + "' needs a path, e.g. http:6002/health");
                return ProbeSpec.http(Integer.parseInt(p.substring(5, slash)), p.substring(slash));
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("probe '" + p + "': the port is not a number");
        }
        throw new IllegalArgumentException("probe '" + p + "' is neither tcp:PORT nor http:PORT/PATH");
    }
}
