package io.hadb.agent.net;

import io.hadb.protocol.wire.Frame;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One UDP socket per local link address, all on one event loop. Received datagrams go to the
 * {@link Receiver} on that loop; sends never block (a full socket buffer drops the datagram, as the network
 * could).
 */
public final class UdpTransport {
    private static final Logger LOG = Logger.getLogger("hadb.transport");

    /** Called on the event loop with each datagram's bytes and the local link it arrived on. */
    public interface Receiver {
        void received(int link, InetSocketAddress sender, byte[] data);
    }

    private final List<Channel> channels = new ArrayList<>();

    private UdpTransport() {}

    public static UdpTransport bind(EventLoop loop, List<InetSocketAddress> locals, Receiver receiver)
            throws InterruptedException {
        UdpTransport t = new UdpTransport();
        long[] lastWarned = {System.nanoTime() - 20_000_000_000L, System.nanoTime() - 20_000_000_000L};
        long[] suppressed = new long[2];
        try {
            for (int link = 0; link < locals.size(); link++) {
                final int l = link;
                Bootstrap b = new Bootstrap().group(loop).channel(NioDatagramChannel.class)
                        // one byte more than the largest frame, so an oversized datagram is seen as such
                        .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(Frame.MAX_FRAME + 1))
                        .option(ChannelOption.ALLOCATOR, UnpooledByteBufAllocator.DEFAULT)
                        .option(ChannelOption.SO_RCVBUF, 256 * 1024)
                        .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                                ByteBuf buf = p.content();
                                byte[] data = new byte[buf.readableBytes()];
                                buf.readBytes(data);
                                receiver.received(l, p.sender(), data);
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                // a firewall or a down link fails every send: one line per 10 s, with a count
                                long now = System.nanoTime();
                                suppressed[l]++;
                                if (now - lastWarned[l] >= 10_000_000_000L) {
                                    LOG.log(Level.WARNING, "link " + l + ": " + cause + (suppressed[l] > 1
                                            ? " (" + suppressed[l] + " times since the last report)" : ""));
                                    lastWarned[l] = now;
                                    suppressed[l] = 0;
                                }
                            }
                        });
                Channel ch = b.bind(locals.get(link)).sync().channel();
                t.channels.add(ch);
            }
        } catch (Exception e) {
            t.close();
            throw e;
        }
        return t;
    }

    /** Sends from the local socket of {@code link} (or link 0 when this node has only one). */
    public void send(int link, InetSocketAddress to, byte[] frame) {
        Channel ch = channels.get(Math.min(link, channels.size() - 1));
        ch.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(frame), to), ch.voidPromise());
    }

    public void close() {
        for (Channel c : channels) c.close().syncUninterruptibly();
    }
}
