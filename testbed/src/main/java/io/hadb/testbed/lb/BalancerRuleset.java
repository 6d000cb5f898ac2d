package io.hadb.testbed.lb;

import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The nftables table of the lb namespace, as text for one atomic `nft -f` transaction (it adds,
 * deletes and re-creates the table, so the kernel switches from the old rules to the new at once).
 * Only a flow's first packet meets the nat chain; later packets follow the binding that conntrack
 * keeps, so an existing flow stays pinned to its backend whatever the rules say later.
 */
final class BalancerRuleset {
    static final String TABLE = "hadb_lb";

    private BalancerRuleset() {
    }

    /**
     * Which backends receive new flows, in pool order (the hash's bucket i is the i-th): those
     * marked up; with none up, none (all-probed-down) or all of them (all-probed-up).
     */
    static List<Backend> targets(List<Backend> pool, Set<String> up, NoBackendUpPolicy policy) {
        List<Backend> marked = new ArrayList<>();
        for (Backend b : pool) if (up.contains(b.name())) marked.add(b);
        if (marked.isEmpty() && policy == NoBackendUpPolicy.ALL_PROBED_UP) return List.copyOf(pool);
        return List.copyOf(marked);
    }

    static String render(LbSettings s, List<Backend> targets) {
        String f = s.frontend().getHostAddress();
        int p = s.port();
        StringBuilder t = new StringBuilder();
        t.append("table ip ").append(TABLE).append('\n');
        t.append("delete table ip ").append(TABLE).append('\n');
        t.append("table ip ").append(TABLE).append(" {\n");
        // After conntrack (-200), before DNAT (-100): a packet that starts no known flow and is no
        // SYN (a flow idled out, a stray ACK) is dropped silently, as Azure does, never reset.
        t.append("  chain guard {\n");
        t.append("    type filter hook prerouting priority -150; policy accept;\n");
        t.append("    ip daddr ").append(f).append(" tcp dport ").append(p)
                .append(" ct state new tcp flags & (fin|syn|rst|ack) != syn drop\n");
        t.append("  }\n");
        t.append("  chain new_flows {\n");
        t.append("    type nat hook prerouting priority dstnat; policy accept;\n");
        if (!targets.isEmpty()) {
            t.append("    ip daddr ").append(f).append(" tcp dport ").append(p)
                    .append(" counter dnat to jhash ip saddr . tcp sport . ip daddr . tcp dport mod ")
                    .append(targets.size()).append(" map { ");
            for (int i = 0; i < targets.size(); i++) {
                if (i > 0) t.append(", ");
                t.append(i).append(" : ").append(targets.get(i).address().getHostAddress());
            }
            t.append(" }\n");
        }
        t.append("  }\n");
        // What was not translated reaches the frontend itself: drop it without a word (no RST).
        t.append("  chain frontend_in {\n");
        t.append("    type filter hook input priority filter; policy accept;\n");
        t.append("    ip daddr ").append(f).append(" counter drop\n");
        t.append("  }\n");
        // Clients reach backends only through the frontend, and backends answer only within a flow.
        t.append("  chain forward {\n");
        t.append("    type filter hook forward priority filter; policy accept;\n");
        t.append("    ct status dnat accept\n");
        t.append("    iifname \"").append(LbNetwork.FRONT_BRIDGE).append("\" oifname \"").append(LbNetwork.BACK_BRIDGE).append("\" drop\n");
        t.append("    iifname \"").append(LbNetwork.BACK_BRIDGE).append("\" oifname \"").append(LbNetwork.FRONT_BRIDGE).append("\" drop\n");
        t.append("  }\n");
        t.append("}\n");
        return t.toString();
    }
}
