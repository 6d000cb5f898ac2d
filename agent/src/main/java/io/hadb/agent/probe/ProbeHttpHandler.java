package io.hadb.agent.probe;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.ReadTimeoutException;
import java.io.IOException;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Answers each aggregated HTTP request from {@link ProbeRoutes}; a request that does not parse gets 400. */
@Sharable
final class ProbeHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = Logger.getLogger("hadb.probe");

    private final ProbeRoutes routes;

    ProbeHttpHandler(ProbeRoutes routes) {
        this.routes = routes;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (!req.decoderResult().isSuccess()) {
            // the decoder discards whatever follows a bad request, so this connection is done
            send(ctx, req, ProbeRoutes.Answer.text(400, "bad request"), false, false);
            return;
        }
        ProbeRoutes.Answer a;
        try {
            a = routes.answer(req.method().name(), new QueryStringDecoder(req.uri()).path());
        } catch (RuntimeException e) {
            // a failing metrics source or state supplier must not take the probe port down
            LOG.log(Level.WARNING, "probe HTTP " + req.uri() + " failed: " + e);
            a = ProbeRoutes.Answer.text(500, "internal error");
        }
        send(ctx, req, a, HttpUtil.isKeepAlive(req), req.method().equals(HttpMethod.HEAD));
    }

    private static void send(ChannelHandlerContext ctx, FullHttpRequest req, ProbeRoutes.Answer a, boolean keepAlive,
            boolean head) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(a.status()),
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(a.body()));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, a.contentType());
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, a.body().length);
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        if (a.status() == 405) r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
        if (keepAlive) {
            if (!req.protocolVersion().isKeepAliveDefault())
                r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(r, ctx.voidPromise());
        } else {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // resets and idle clients are routine for a probe port: one FINE line, then the connection goes
        if (!(cause instanceof IOException) && !(cause instanceof ReadTimeoutException))
            LOG.log(Level.FINE, "probe HTTP connection from " + ctx.channel().remoteAddress() + " closed: " + cause);
        ctx.close();
    }
}
