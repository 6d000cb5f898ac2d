package io.hadb.agent.probe;

import io.netty.channel.socket.nio.NioServerSocketChannel;

/**
 * A NIO server channel that can tell when its listening socket is really gone. The JDK closes the file
 * descriptor of a channel registered with a selector only when that selector next runs, so for a moment after
 * Netty's close completes the kernel still completes handshakes and a new bind of the port fails. The probe
 * port must refuse from the instant it reports closed, so the responder waits for this.
 */
final class ProbeServerChannel extends NioServerSocketChannel {
    /** True once the selector has dropped the channel, which is when the JDK closes its descriptor. */
    boolean released() {
        return !isOpen() && !javaChannel().isRegistered();
    }
}
