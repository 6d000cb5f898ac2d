package io.hadb.testbed.drbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DrbdConfParserTest {
    @TempDir
    Path tmp;

    @Test
    void classicGuideSyntaxWithCommentsGlobalCommonAndIncludes() throws Exception {
        Files.writeString(tmp.resolve("drbd.conf"), """
                # the distribution's top file
                include "drbd.d/global_common.conf";
                include "drbd.d/*.res";
                """);
        Files.createDirectories(tmp.resolve("drbd.d"));
        Files.writeString(tmp.resolve("drbd.d/global_common.conf"), """
                global { usage-count no; }
                common { handlers { } startup { wfc-timeout 0; } net { protocol C; } }
                """);
        Files.writeString(tmp.resolve("drbd.d/r0.res"), """
                resource r0 {
                  net { protocol C; ping-int 1; }   # fast
                  disk { fencing resource-and-stonith; }
                  handlers { fence-peer "/usr/bin/agentctl fence-peer"; }
                  on hadb01 { device /dev/drbd1; disk /dev/vdb; address 10.99.1.1:7789; meta-disk internal; }
                  on hadb02 {
                    device    /dev/drbd1;
                    disk      /dev/vdb;
                    address   10.99.1.2:7789;
                    meta-disk internal;
                  }
                }
                """);
        Map<String, DrbdResourceConf> all = DrbdConfParser.parseFile(tmp.resolve("drbd.conf"));
        DrbdResourceConf r0 = all.get("r0");
        assertEquals(2, r0.hosts().size());
        assertEquals("10.99.1.2:7789", r0.host("hadb02").orElseThrow().address());
        assertEquals(1, r0.host("hadb01").orElseThrow().minor());
        assertEquals("hadb02", r0.peerOf("hadb01").orElseThrow().name());
        assertEquals(1, r0.nodeId("hadb02"));
        assertEquals("resource-and-stonith", r0.options().get("disk.fencing"));
        assertEquals("/usr/bin/agentctl fence-peer", r0.options().get("handlers.fence-peer"));
    }

    @Test
    void theRecordedScenarioResourceParses() {
        String res = RealSamples.lines("scenario.sh").stream().dropWhile(l -> !l.startsWith("resource r0"))
                .takeWhile(l -> !l.equals("RES")).reduce("", (a, b) -> a + b + "\n");
        DrbdResourceConf r0 = DrbdConfParser.parse(res).get("r0");
        assertEquals("/dev/vdb", r0.host("hadb01").orElseThrow().disk());
        assertEquals("protocol C", "protocol " + r0.options().get("net.protocol"));
    }

    @Test
    void badConfigurationsSayWhatIsWrong() {
        assertThrows(IllegalArgumentException.class, () -> DrbdConfParser.parse("resource r0 { on a { device /dev/drbd0; } }"));
        assertThrows(IllegalArgumentException.class, () -> DrbdConfParser.parse("resource r0 {"));
        assertThrows(IllegalArgumentException.class, () -> DrbdConfParser.parse("bogus r0 { }"));
        assertThrows(IllegalArgumentException.class, () -> DrbdConfParser.parse("resource r0 { }"));
        assertThrows(IllegalArgumentException.class, () -> DrbdConfParser.parse("resource r0 { on a { device /dev/x } }"));
    }
}
