package io.hadb.agent.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadb.agent.probe.ListeningSocketFinder.Listener;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ListeningSocketFinderTest {
    // as a little-endian kernel writes them; trailing spaces as in the real files
    static final String TCP = """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode                                                     
               0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 51234 1 00000000e1560a75 100 0 0 10 0                       
               1: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 544 1 00000000e1560a75 100 0 0 10 0                       
               2: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 51240 1 00000000aa560a75 20 4 30 10 -1                    
               3: 0A00020F:D431 0A000201:0050 06 00000000:00000000 03:00000F0A 00000000     0        0 0 3 00000000bb560a75                                     
            """;
    static final String TCP6 = """
              sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 00000000000000000000000001000000:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 61000 1 0000000012345678 100 0 0 10 0
               1: 00000000000000000000000000000000:0CEA 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000   106        0 61001 1 0000000012345679 100 0 0 10 0
               2: 0000000000000000FFFF00000100007F:1F91 0000000000000000FFFF00000100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 61002 1 000000001234567a 20 4 30 10 -1
            """;

    @Test
    void ipv4ListenersWithAddressPortAndInode() throws Exception {
        List<Listener> l = ListeningSocketFinder.parse(TCP);
        assertEquals(List.of(new Listener(InetAddress.getByName("127.0.0.1"), 8080, 51234),
                new Listener(InetAddress.getByName("0.0.0.0"), 2024, 544)), l,
                "only LISTEN (0A) entries; established and TIME_WAIT ones are left out");
    }

    @Test
    void ipv6ListenersWithEachWordInTheMachinesByteOrder() throws Exception {
        List<Listener> l = ListeningSocketFinder.parse(TCP6);
        assertEquals(List.of(new Listener(InetAddress.getByName("::1"), 8081, 61000),
                new Listener(InetAddress.getByName("::"), 3306, 61001)), l);
    }

    @Test
    void headerOnlyAndEmptyTablesHaveNoListeners() throws Exception {
        assertEquals(List.of(), ListeningSocketFinder.parse(""));
        assertEquals(List.of(), ListeningSocketFinder.parse(TCP.lines().findFirst().orElseThrow() + "\n"));
    }

    @Test
    void garbageIsATypedErrorThatQuotesTheLine() {
        for (String bad : List.of(
                "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000",
                "   0: 0100007F 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 51234 1",
                "   0: 0100007G:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 51234 1",
                "   0: 0100007F:1F9Z 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 51234 1",
                "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 inode 1",
                "   0: 0100:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 51234 1",
                "   0: 0100007F:123456 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 51234 1",
                "hello world this is not the proc file at all, no"
        )) {
            ProbeGateException e = assertThrows(ProbeGateException.class, () -> ListeningSocketFinder.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("unexpected line in /proc/net/tcp (") && e.getMessage().endsWith(bad.strip()),
                    e.getMessage());
        }
    }

    @Test
    void socketInodeFromFdLinks() {
        assertEquals(51234, ListeningSocketFinder.socketInode("socket:[51234]"));
        assertEquals(-1, ListeningSocketFinder.socketInode("pipe:[51234]"));
        assertEquals(-1, ListeningSocketFinder.socketInode("/var/log/hadb.log"));
        assertEquals(-1, ListeningSocketFinder.socketInode("socket:[x]"));
        assertEquals(-1, ListeningSocketFinder.socketInode("socket:[12"));
    }

    @Test
    void findsThisProcessesListeningSocketsOnIpv4AndIpv6() throws Exception {
        try (ServerSocket v4 = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"));
                ServerSocket v6 = new ServerSocket(0, 5, InetAddress.getByName("::1"))) {
            for (ServerSocket s : List.of(v4, v6)) {
                List<Integer> fds = ListeningSocketFinder.find(s.getLocalPort());
                assertEquals(1, fds.size(), "one socket listens on " + s.getLocalSocketAddress() + ": " + fds);
                String link = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fds.get(0))).toString();
                assertTrue(link.startsWith("socket:["), link);
            }
            assertTrue(!ListeningSocketFinder.find(v4.getLocalPort()).equals(ListeningSocketFinder.find(v6.getLocalPort())));
        }
    }

    @Test
    void aPortNobodyListensOnHasNoFds() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        assertEquals(List.of(), ListeningSocketFinder.find(port));
    }
}
