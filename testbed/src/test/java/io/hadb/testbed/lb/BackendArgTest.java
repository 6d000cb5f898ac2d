package io.hadb.testbed.lb;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackendArgTest {
    @Test
    void parsesTcpAndHttpBackends() {
        BackendArg t = BackendArg.parse("hadb01,ns=sbx-hadb01,addr=10.213.1.11,probe=tcp:6001");
        assertEquals("hadb01", t.backend().name());
        assertEquals("sbx-hadb01", t.namespace());
        assertEquals("10.213.1.11", t.backend().address().getHostAddress());
        assertEquals(ProbeSpec.tcp(6001), t.backend().probe());
        assertEquals(ProbeSpec.http(6002, "/health"), BackendArg.parse("b2,probe=http:6002/health,addr=10.213.1.12,ns=x").backend().probe());
    }

    @Test
    void badBackendsAreRefusedNamingThePart() {
        String[][] cases = {
                {"b1,ns=x,addr=10.213.1.11", "needs ns=, addr= and probe="},
                {"b1,ns=x,addr=10.213.1.11,probe=udp:1", "neither tcp:PORT nor http:PORT/PATH"},
                {"b1,ns=x,addr=10.213.1.11,probe=http:6002", "needs a path"},
                {"b1,ns=x,addr=10.213.1.11,probe=tcp:abc", "not a number"},
                {"b1,ns=x,addr=host,probe=tcp:1", "not an IPv4 address"},
                {"b1,ns=x,weight=2,addr=10.213.1.11,probe=tcp:1", "unknown key 'weight'"},
                {"b1,ns", "not KEY=VALUE"}};
        for (String[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BackendArg.parse(c[0]), c[0]);
            assertTrue(e.getMessage().contains(c[1]), c[0] + ": " + e.getMessage());
        }
    }
}
