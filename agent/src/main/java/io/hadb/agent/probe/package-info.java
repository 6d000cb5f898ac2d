/**
 * The load balancer's view of a node: a TCP probe port that accepts connections only on the healthy master
 * (and is closed, so connections are refused, otherwise) and an always-open HTTP port with /master, /replica,
 * /health and, optionally, /metrics. Nothing here blocks an event loop; state comes in as an immutable
 * {@link io.hadb.agent.probe.NodeState} that the agent replaces whenever it changes.
 */
package io.hadb.agent.probe;
