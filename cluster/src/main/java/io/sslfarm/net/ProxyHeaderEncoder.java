package io.sslfarm.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.sslfarm.net.ProxyInfo.Ssl;
import io.sslfarm.net.ProxyInfo.Tlv;
import io.sslfarm.net.internal.IpAddresses;
import io.vertx.core.buffer.Buffer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * Writes a PROXY protocol v2 header (haproxy proxy-protocol.txt §2.2) for a {@link ProxyInfo}:
 *
 * <pre>
 *  0                   12    13    14          16
 *  +-------------------+-----+-----+-----------+----------------------+------------------+
 *  | signature (12)    | 0x2C| fam | len (BE)  | addresses (12 or 36) | TLVs ...         |
 *  +-------------------+-----+-----+-----------+----------------------+------------------+
 *                        C = 1 PROXY, 0 LOCAL;  fam 0x11 TCP4, 0x21 TCP6, 0x00 UNSPEC
 *                        len counts everything after byte 16: addresses and TLVs
 * </pre>
 *
 * <p>If one address is IPv4 and the other IPv6, the IPv4 one is written IPv4-mapped ({@code ::ffff:a.b.c.d}) and the
 * family is TCP6: the header has one family for both. A LOCAL header carries no addresses and no TLVs (the receiver
 * must discard them, §2.2); a PROXY header without addresses is written with family UNSPEC and its TLVs.
 *
 * <p>TLVs are written in this order: ALPN (0x01), AUTHORITY (0x02), UNIQUE_ID (0x05), SSL (0x20: client, verify,
 * sub-TLVs VERSION 0x21, CIPHER 0x23, then the others), then {@link ProxyInfo#otherTlvs()}. Stateless and thread-safe.
 */
public final class ProxyHeaderEncoder {

  /** §2.2: the 12-byte v2 signature {@code \r\n\r\n\0\r\nQUIT\n}. */
  private static final byte[] SIGNATURE = {
      0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

  /** Signature, version/command, family and the length field. */
  public static final int FIXED_HEADER_BYTES = 16;

  static final int VERSION_2 = 0x20;
  static final int CMD_LOCAL = 0x00;
  static final int CMD_PROXY = 0x01;
  static final int FAM_UNSPEC = 0x00;
  static final int FAM_TCP4 = 0x11;
  static final int FAM_TCP6 = 0x21;

  private ProxyHeaderEncoder() {
  }

  /** A copy of the 12-byte signature. */
  public static byte[] signature() {
    return SIGNATURE.clone();
  }

  /**
   * The header as a new buffer from {@code alloc}; the caller owns it (write it, which releases it, or release it).
   *
   * @throws IllegalArgumentException if the header would exceed the 65535-byte length field
   */
  public static ByteBuf encode(ProxyInfo info, ByteBufAllocator alloc) {
    int len = encodedLength(info);
    ByteBuf out = alloc.buffer(len, len);
    try {
      write(info, out);
      return out;
    } catch (RuntimeException e) {
      out.release();
      throw e;
    }
  }

  /** The header as a Vert.x {@link Buffer}, e.g. to write on a {@code NetSocket} before {@code pipeTo}. */
  public static Buffer encodeToBuffer(ProxyInfo info) {
    int len = encodedLength(info);
    ByteBuf heap = Unpooled.wrappedBuffer(new byte[len]).clear();
    write(info, heap);
    return Buffer.buffer(heap.array());
  }

  /** The total header size in bytes, signature included. */
  public static int encodedLength(ProxyInfo info) {
    if (info.isLocal()) {
      return FIXED_HEADER_BYTES;
    }
    int body = addressBytes(info) + tlvBytes(info);
    if (body > 0xffff) {
      throw new IllegalArgumentException("PROXY v2 header body exceeds 65535 bytes: " + body);
    }
    return FIXED_HEADER_BYTES + body;
  }

  private static boolean isV6(ProxyInfo info) {
    return info.source().getAddress().getAddress().length == 16
        || info.destination().getAddress().getAddress().length == 16;
  }

  private static int addressBytes(ProxyInfo info) {
    if (!info.hasAddresses()) {
      return 0;
    }
    return isV6(info) ? 36 : 12; // §2.2: 2x4 + 2x2 for IPv4, 2x16 + 2x2 for IPv6
  }

  private static int tlvBytes(ProxyInfo info) {
    int n = 0;
    if (info.alpn() != null) {
      n += 3 + info.alpn().getBytes(StandardCharsets.ISO_8859_1).length;
    }
    if (info.authority() != null) {
      n += 3 + info.authority().getBytes(StandardCharsets.UTF_8).length;
    }
    byte[] id = info.uniqueId();
    if (id != null) {
      n += 3 + id.length;
    }
    if (info.ssl() != null) {
      n += 3 + sslValueBytes(info.ssl());
    }
    for (Tlv t : info.otherTlvs()) {
      n += 3 + t.valueUnsafe().length;
    }
    return n;
  }

  private static int sslValueBytes(Ssl ssl) {
    int n = 5; // client (1) + verify (4)
    if (ssl.version() != null) {
      n += 3 + ssl.version().getBytes(StandardCharsets.ISO_8859_1).length;
    }
    if (ssl.cipher() != null) {
      n += 3 + ssl.cipher().getBytes(StandardCharsets.ISO_8859_1).length;
    }
    for (Tlv t : ssl.otherSubTlvs()) {
      n += 3 + t.valueUnsafe().length;
    }
    if (n > 0xffff) {
      throw new IllegalArgumentException("PP2_TYPE_SSL value exceeds 65535 bytes: " + n);
    }
    return n;
  }

  private static void write(ProxyInfo info, ByteBuf out) {
    out.writeBytes(SIGNATURE);
    if (info.isLocal()) {
      out.writeByte(VERSION_2 | CMD_LOCAL);
      out.writeByte(FAM_UNSPEC);
      out.writeShort(0);
      return;
    }
    out.writeByte(VERSION_2 | CMD_PROXY);
    int body = addressBytes(info) + tlvBytes(info);
    if (body > 0xffff) {
      throw new IllegalArgumentException("PROXY v2 header body exceeds 65535 bytes: " + body);
    }
    if (!info.hasAddresses()) {
      out.writeByte(FAM_UNSPEC);
      out.writeShort(body);
    } else {
      InetSocketAddress src = info.source();
      InetSocketAddress dst = info.destination();
      byte[] s = src.getAddress().getAddress();
      byte[] d = dst.getAddress().getAddress();
      if (isV6(info)) {
        out.writeByte(FAM_TCP6);
        out.writeShort(body);
        out.writeBytes(IpAddresses.toIpv6Bytes(s));
        out.writeBytes(IpAddresses.toIpv6Bytes(d));
      } else {
        out.writeByte(FAM_TCP4);
        out.writeShort(body);
        out.writeBytes(s);
        out.writeBytes(d);
      }
      out.writeShort(src.getPort());
      out.writeShort(dst.getPort());
    }
    if (info.alpn() != null) {
      writeTlv(out, ProxyInfo.PP2_TYPE_ALPN, info.alpn().getBytes(StandardCharsets.ISO_8859_1));
    }
    if (info.authority() != null) {
      writeTlv(out, ProxyInfo.PP2_TYPE_AUTHORITY, info.authority().getBytes(StandardCharsets.UTF_8));
    }
    byte[] id = info.uniqueId();
    if (id != null) {
      writeTlv(out, ProxyInfo.PP2_TYPE_UNIQUE_ID, id);
    }
    Ssl ssl = info.ssl();
    if (ssl != null) {
      out.writeByte(ProxyInfo.PP2_TYPE_SSL);
      out.writeShort(sslValueBytes(ssl));
      out.writeByte(ssl.client());
      out.writeInt(ssl.verify());
      if (ssl.version() != null) {
        writeTlv(out, ProxyInfo.PP2_SUBTYPE_SSL_VERSION, ssl.version().getBytes(StandardCharsets.ISO_8859_1));
      }
      if (ssl.cipher() != null) {
        writeTlv(out, ProxyInfo.PP2_SUBTYPE_SSL_CIPHER, ssl.cipher().getBytes(StandardCharsets.ISO_8859_1));
      }
      for (Tlv t : ssl.otherSubTlvs()) {
        writeTlv(out, t.type(), t.valueUnsafe());
      }
    }
    for (Tlv t : info.otherTlvs()) {
      writeTlv(out, t.type(), t.valueUnsafe());
    }
  }

  private static void writeTlv(ByteBuf out, int type, byte[] value) {
    if (value.length > 0xffff) {
      throw new IllegalArgumentException("TLV 0x" + Integer.toHexString(type) + " longer than 65535 bytes");
    }
    out.writeByte(type);
    out.writeShort(value.length);
    out.writeBytes(value);
  }
}
