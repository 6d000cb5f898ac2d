package io.hadb.agent.config;

import io.hadb.agent.drbd.DrbdAdm;
import io.hadb.agent.fs.FilesystemConfig;
import io.hadb.agent.mysql.MysqlConfig;
import java.net.InetSocketAddress;

/**
 * The resources a data node runs while it is master: the DRBD resource, the filesystem on it, mysqld, and
 * the load balancer's probe.
 *
 * @param drbdResource the DRBD resource name (r0)
 * @param drbd         how to run drbdadm and drbdsetup
 * @param filesystem   the replicated filesystem
 * @param mysql        the database server
 * @param probeTcp     where the TCP probe listens while this node is the healthy master
 * @param probeHttp    where the HTTP endpoints (/master, /replica, /health, /metrics) listen, always
 */
public record ResourceConfig(String drbdResource, DrbdAdm.Settings drbd, FilesystemConfig filesystem, MysqlConfig mysql,
                             InetSocketAddress probeTcp, InetSocketAddress probeHttp) {}
