package io.sslfarm.net.internal;

import io.sslfarm.net.ProxyInfo;
import io.sslfarm.net.ProxyInfo.Ssl;
import io.sslfarm.net.ProxyInfo.Tlv;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** PROXY v2 TLV bytes that neither Netty nor Vert.x parse for us. */
public final class Pp2Tlvs {

  private Pp2Tlvs() {
  }

  /**
   * Parses the value of a PP2_TYPE_SSL TLV (§2.2.5): client (1 byte), verify (4 bytes, big-endian), then sub-TLVs
   * (type 1 byte, length 2 bytes, value).
   *
   * @throws IllegalArgumentException if it is shorter than 5 bytes or a sub-TLV runs past the end
   */
  public static Ssl parseSsl(byte[] value) {
    if (value.length < 5) {
      throw new IllegalArgumentException("PP2_TYPE_SSL value shorter than 5 bytes: " + value.length);
    }
    ByteBuffer b = ByteBuffer.wrap(value);
    int client = b.get() & 0xff;
    int verify = b.getInt();
    String version = null;
    String cipher = null;
    List<Tlv> others = new ArrayList<>();
    while (b.hasRemaining()) {
      if (b.remaining() < 3) {
        throw new IllegalArgumentException("truncated SSL sub-TLV header");
      }
      int type = b.get() & 0xff;
      int len = b.getShort() & 0xffff;
      if (len > b.remaining()) {
        throw new IllegalArgumentException("SSL sub-TLV 0x" + Integer.toHexString(type) + " length " + len
            + " exceeds the remaining " + b.remaining() + " bytes");
      }
      byte[] v = Arrays.copyOfRange(value, b.position(), b.position() + len);
      b.position(b.position() + len);
      if (type == ProxyInfo.PP2_SUBTYPE_SSL_VERSION && version == null) {
        version = new String(v, StandardCharsets.ISO_8859_1);
      } else if (type == ProxyInfo.PP2_SUBTYPE_SSL_CIPHER && cipher == null) {
        cipher = new String(v, StandardCharsets.ISO_8859_1);
      } else if (type != ProxyInfo.PP2_SUBTYPE_SSL_VERSION && type != ProxyInfo.PP2_SUBTYPE_SSL_CIPHER) {
        others.add(new Tlv(type, v));
      }
    }
    return new Ssl(client, verify, version, cipher, others);
  }
}
