package io.hadb.protocol;

/** A message to send to node {@code to} on link {@code link} (0 or 1). */
public record Outgoing(int to, int link, Message message) {}
