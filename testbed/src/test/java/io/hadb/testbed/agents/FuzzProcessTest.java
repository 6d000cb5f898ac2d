package io.hadb.testbed.agents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadb.protocol.Message;
import io.hadb.protocol.RecordVersion;
import io.hadb.protocol.wire.DropReason;
import io.hadb.protocol.wire.Frame;
import io.hadb.protocol.wire.FrameEncoder;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A live agent is sent random bytes, truncated, oversized and wrong-version frames, frames with the wrong
 * key, of another cluster, from an unknown sender, replays (right key, an incarnation older than the real
 * sender's) and authenticated frames with a broken body. It keeps running and in the cluster, and its drop
 * counters grow by exactly what was sent of each kind.
 */
class FuzzProcessTest {
    @TempDir
    Path dir;

    @Test
    void aLiveAgentDropsAndCountsEveryBadDatagramAndStaysInTheCluster() throws Exception {
        int[] ports = freePorts();
        try (LocalCluster c = new LocalCluster(dir, Launchers.classPath(), null, ports, "")) {
            try {
                c.startAll();
                AgentStatus before = awaitStable(c, "hadb02");
                byte[] key = Files.readAllBytes(c.keyFile());
                byte[] otherKey = key.clone();
                otherKey[0] ^= 1;
                Random r = new Random(20240501);
                Map<DropReason, Integer> sent = new EnumMap<>(DropReason.class);
                InetSocketAddress target = new InetSocketAddress("127.0.0.2", ports[1]);
                Message ping = new Message.Ping(1, 0, RecordVersion.ZERO, 1, 0);
                FrameEncoder good = new FrameEncoder(LocalCluster.CLUSTER_ID, 1, 1, key); // incarnation 1: older than hadb01's
                FrameEncoder wrongKey = new FrameEncoder(LocalCluster.CLUSTER_ID, 1, Long.MAX_VALUE, otherKey);
                FrameEncoder otherCluster = new FrameEncoder("other-cluster", 1, Long.MAX_VALUE, key);
                FrameEncoder stranger = new FrameEncoder(LocalCluster.CLUSTER_ID, 99, Long.MAX_VALUE, key);
                try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                    for (int i = 0; i < 1200; i++) {
                        byte[] f;
                        DropReason expect;
                        switch (i % 10) {
                            case 0 -> {
                                f = new byte[10 + r.nextInt(300)];
                                r.nextBytes(f);
                                f[0] = 'X';
                                expect = DropReason.BAD_MAGIC;
                            }
                            case 1 -> {
                                f = Arrays.copyOf(good.encode(0, ping), 8 + r.nextInt(40));
                                expect = DropReason.TRUNCATED;
                            }
                            case 2 -> {
                                f = new byte[9000 + r.nextInt(3000)];
                                System.arraycopy(good.encode(0, ping), 0, f, 0, 40);
                                expect = DropReason.OVERSIZED;
                            }
                            case 3 -> {
                                f = good.encode(0, ping);
                                f[4] = (byte) (Frame.VERSION + 1 + r.nextInt(200));
                                expect = DropReason.UNKNOWN_VERSION;
                            }
                            case 4 -> {
                                f = wrongKey.encode(0, ping);
                                expect = DropReason.BAD_MAC;
                            }
                            case 5 -> {
                                f = good.encode(0, ping);
                                f[30 + r.nextInt(f.length - 30)] ^= (byte) (1 << r.nextInt(8));
                                expect = DropReason.BAD_MAC;
                            }
                            case 6 -> {
                                f = otherCluster.encode(0, ping);
                                expect = DropReason.OTHER_CLUSTER;
                            }
                            case 7 -> {
                                f = stranger.encode(0, ping);
                                expect = DropReason.UNKNOWN_SENDER;
                            }
                            case 8 -> {
                                f = good.encode(0, new Message.Heartbeat(99, 1, io.hadb.protocol.ClusterRecord.EMPTY,
                                        RecordVersion.ZERO, 1, 0));
                                expect = DropReason.REPLAY;
                            }
                            default -> {
                                f = malformed(key);
                                expect = DropReason.MALFORMED_BODY;
                            }
                        }
                        s.send(new DatagramPacket(f, f.length, target));
                        sent.merge(expect, 1, Integer::sum);
                        if (i % 20 == 0) Thread.sleep(2); // stay within the socket buffer: count, not overflow
                    }
                }
                long end = System.nanoTime() + 10_000_000_000L;
                AgentStatus after = null;
                while (System.nanoTime() < end) {
                    after = c.status("hadb02");
                    if (after != null && matches(before, after, sent)) break;
                    Thread.sleep(50);
                }
                assertNotNull(after, "hadb02 stopped answering");
                for (DropReason reason : DropReason.values()) {
                    assertEquals(sent.getOrDefault(reason, 0).longValue(), after.dropped(reason.name()) - before.dropped(reason.name()),
                            "drops counted as " + reason);
                }
                Thread.sleep(1500);
                AgentStatus later = c.status("hadb02");
                assertNotNull(later, "hadb02 is still running");
                assertEquals(2, later.peersUp().size(), "hadb02 is still in the cluster: " + later.peersUp());
                assertTrue(later.quorate());
                long serving = c.members().stream().map(m -> c.status(m.name)).filter(st -> st != null && st.serving()).count();
                assertEquals(1, serving, "one master after the fuzzing");
            } catch (AssertionError | Exception e) {
                for (var m : c.members()) System.err.println("---- " + m.name + "\n" + c.log(m.name));
                throw e;
            }
        }
    }

    private static boolean matches(AgentStatus before, AgentStatus after, Map<DropReason, Integer> sent) {
        for (DropReason reason : DropReason.values())
            if (after.dropped(reason.name()) - before.dropped(reason.name()) != sent.getOrDefault(reason, 0)) return false;
        return true;
    }

    /** A correctly signed frame from hadb01 with a fresh (huge) incarnation and a message type that does not exist. */
    private static byte[] malformed(byte[] key) throws Exception {
        byte[] id = LocalCluster.CLUSTER_ID.getBytes();
        var b = java.nio.ByteBuffer.allocate(4 + 1 + 1 + id.length + 22);
        b.put("HADB".getBytes()).put((byte) Frame.VERSION).put((byte) id.length).put(id).putShort((short) 1)
                .putLong(Long.MAX_VALUE).putLong(1).put((byte) 0).put((byte) 200).putShort((short) 0);
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
        byte[] unsigned = b.array();
        byte[] out = Arrays.copyOf(unsigned, unsigned.length + 32);
        System.arraycopy(mac.doFinal(unsigned), 0, out, unsigned.length, 32);
        return out;
    }

    private static AgentStatus awaitStable(LocalCluster c, String name) throws InterruptedException {
        long end = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < end) {
            AgentStatus s = c.status(name);
            if (s != null && s.peersUp().size() == 2 && s.leader() != null) return s;
            Thread.sleep(20);
        }
        throw new AssertionError(name + " did not join a cluster with a master in 20 s");
    }

    private static int[] freePorts() throws Exception {
        int[] p = new int[3];
        String[] ips = {"127.0.0.1", "127.0.0.2", "127.0.0.3"};
        for (int i = 0; i < 3; i++) {
            try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(ips[i]), 0))) {
                p[i] = s.getLocalPort();
            }
        }
        return p;
    }

}
