package io.hadb.testbed.lb;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LbSettingsTest {
    @Test
    void defaultsAreAzures() {
        LbSettings s = LbSettings.defaults(3306);
        assertEquals(Duration.ofSeconds(5), s.probeInterval());
        assertEquals(1, s.threshold());
        assertEquals(NoBackendUpPolicy.ALL_PROBED_DOWN, s.noBackendUp());
        assertEquals(Duration.ofMinutes(4), s.idleTimeout());
        assertEquals("10.213.0.100", s.frontend().getHostAddress());
    }

    @Test
    void badValuesAreRefusedNamingWhatIsWrong() {
        LbSettings s = LbSettings.defaults(3306);
        assertMessage("probe interval", () -> s.withProbe(Duration.ofMillis(500), 1));
        assertMessage("probe interval", () -> s.withProbe(Duration.ofMillis(1500), 1));
        assertMessage("threshold", () -> s.withProbe(Duration.ofSeconds(1), 0));
        assertMessage("frontend port", () -> LbSettings.defaults(0));
        assertMessage("idle timeout", () -> new LbSettings(s.frontend(), 3306, s.probeInterval(), 1, s.noBackendUp(), Duration.ofSeconds(5)));
        assertMessage("not an IPv4 address", () -> LbSettings.ipv4("db.example"));
        assertMessage("probe port", () -> ProbeSpec.tcp(70000));
        assertMessage("HTTP probe path", () -> ProbeSpec.http(8080, "health"));
        assertMessage("backend name", () -> new Backend("B 1", LbSettings.ipv4("10.213.1.11"), ProbeSpec.tcp(1)));
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().contains(part), x.getMessage());
    }
}
