package io.hadb.protocol;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Per peer and per link: a link is up while a valid datagram arrived within the failure timeout; a peer is
 * up while any of its links is.
 */
final class FailureDetector {
    private final ClusterConfig config;
    private final int self;
    private final long timeoutNanos;
    private final Map<Integer, long[]> lastHeard = new HashMap<>();
    private final Map<Integer, boolean[]> linkUp = new HashMap<>();
    private final Map<Integer, Long> downSince = new HashMap<>();

    FailureDetector(ClusterConfig config, int self, long now) {
        this.config = config;
        this.self = self;
        this.timeoutNanos = config.timings().failureTimeoutMs() * 1_000_000L;
        for (NodeSpec n : config.nodes()) {
            if (n.id() == self) continue;
            lastHeard.put(n.id(), new long[] {Long.MIN_VALUE, Long.MIN_VALUE});
            linkUp.put(n.id(), new boolean[2]);
            downSince.put(n.id(), now);
        }
    }

    /** A valid datagram from {@code peer} on {@code link}. */
    void heard(int peer, int link, long now, List<Decision> out) {
        long[] last = lastHeard.get(peer);
        if (last == null || link < 0 || link > 1) return;
        boolean wasUp = up(peer);
        last[link] = now;
        if (!linkUp.get(peer)[link]) {
            linkUp.get(peer)[link] = true;
            out.add(new Decision.LinkChanged(peer, link, true, "heard " + config.name(peer) + " on link " + link));
        }
        if (!wasUp) {
            downSince.remove(peer);
            out.add(new Decision.PeerChanged(peer, true, "heard " + config.name(peer) + " on link " + link));
        }
    }

    void tick(long now, List<Decision> out) {
        for (var e : lastHeard.entrySet()) {
            int peer = e.getKey();
            boolean wasUp = up(peer);
            boolean[] ups = linkUp.get(peer);
            for (int l = 0; l < 2; l++) {
                if (ups[l] && now - e.getValue()[l] >= timeoutNanos) {
                    ups[l] = false;
                    out.add(new Decision.LinkChanged(peer, l, false, config.name(peer) + " silent on link " + l
                            + " for " + (now - e.getValue()[l]) / 1_000_000 + " ms"));
                }
            }
            if (wasUp && !up(peer)) {
                downSince.put(peer, now);
                long silent = (now - Math.max(e.getValue()[0], e.getValue()[1])) / 1_000_000;
                out.add(new Decision.PeerChanged(peer, false,
                        config.name(peer) + " silent on every link for " + silent + " ms"));
            }
        }
    }

    boolean up(int peer) {
        boolean[] u = linkUp.get(peer);
        return u != null && (u[0] || u[1]);
    }

    boolean linkUp(int peer, int link) {
        boolean[] u = linkUp.get(peer);
        return u != null && link >= 0 && link < 2 && u[link];
    }

    /** Since when the peer has been down, or null while it is up. */
    Long downSince(int peer) {
        return up(peer) ? null : downSince.get(peer);
    }

    /** Silence of the peer in ms (Long.MAX_VALUE if never heard). */
    long silentMs(int peer, long now) {
        long[] last = lastHeard.get(peer);
        if (last == null) return Long.MAX_VALUE;
        long m = Math.max(last[0], last[1]);
        return m == Long.MIN_VALUE ? Long.MAX_VALUE : (now - m) / 1_000_000;
    }

    /** The earliest moment after {@code now} at which a link that is up would time out, or Long.MAX_VALUE. */
    long nextTimeout(long now) {
        long next = Long.MAX_VALUE;
        for (var e : lastHeard.entrySet()) {
            boolean[] ups = linkUp.get(e.getKey());
            for (int l = 0; l < 2; l++) {
                long t = e.getValue()[l] + timeoutNanos;
                if (ups[l] && t > now) next = Math.min(next, t);
            }
        }
        return next;
    }

    List<Integer> peers() {
        return new ArrayList<>(lastHeard.keySet());
    }
}
