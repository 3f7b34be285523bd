package io.sslfarm.ssl.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.function.LongConsumer;

/**
 * One direction of a plaintext pipe: what this channel reads is written to {@code peer}. Back-pressure: when the
 * peer's outbound buffer is above its high-water mark this channel stops reading, and resumes when the peer drains
 * (the peer's relay handler calls {@link #peerWritabilityChanged}). Closing one side flushes and closes the other.
 * Stand-in: the shared {@code io.sslfarm.net.Relay} is not wired in yet.
 */
public final class RelayHandler extends ChannelInboundHandlerAdapter {

  private final Channel peer;
  private final LongConsumer bytesRelayed;

  public RelayHandler(Channel peer, LongConsumer bytesRelayed) {
    this.peer = peer;
    this.bytesRelayed = bytesRelayed;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf b) {
      bytesRelayed.accept(b.readableBytes());
    }
    peer.write(msg).addListener(f -> {
      if (!f.isSuccess()) {
        ctx.channel().close();
      }
    });
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    peer.flush();
    if (!peer.isWritable()) {
      ctx.channel().config().setAutoRead(false);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    // Our outbound side drained: let the peer read again.
    if (ctx.channel().isWritable()) {
      peer.config().setAutoRead(true);
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (peer.isActive()) {
      peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.channel().close();
  }
}
