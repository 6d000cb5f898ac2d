/**
 * The hadb cluster protocol as pure code: no threads, sockets or clocks. {@link io.hadb.protocol.Node}
 * takes {@link io.hadb.protocol.Input}s (time, received messages, operator intents) and returns an
 * {@link io.hadb.protocol.Output}: state to persist, then messages to send, then decisions.
 */
package io.hadb.protocol;
