package io.sslfarm.cluster.seal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Canonical, unambiguous encoding of a sealed value's clear metadata, used as GCM associated data (format 2 of
 * {@link SecretSealer}). Every field is typed and length-prefixed, so no two different field lists encode to the same
 * bytes ({@code ["ab","c"]} ≠ {@code ["a","bc"]}). The first field is always a purpose label.
 */
public final class Aad {

  private static final byte LONG = 1;
  private static final byte TEXT = 2;
  private static final byte BYTES = 3;
  private static final byte LIST = 4;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream(128);

  private Aad(String purpose) {
    text(purpose);
  }

  /** Starts with a purpose label, e.g. {@code sslfarm/ticket-keys/v2}. */
  public static Aad of(String purpose) {
    return new Aad(purpose);
  }

  public Aad number(long v) {
    out.write(LONG);
    out.writeBytes(ByteBuffer.allocate(8).putLong(v).array());
    return this;
  }

  public Aad text(String s) {
    out.write(TEXT);
    lengthPrefixed(s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8));
    return this;
  }

  public Aad bytes(byte[] b) {
    out.write(BYTES);
    lengthPrefixed(b);
    return this;
  }

  public Aad texts(List<String> list) {
    out.write(LIST);
    out.writeBytes(ByteBuffer.allocate(4).putInt(list.size()).array());
    list.forEach(this::text);
    return this;
  }

  public byte[] toBytes() {
    return out.toByteArray();
  }

  private void lengthPrefixed(byte[] b) {
    out.writeBytes(ByteBuffer.allocate(4).putInt(b.length).array());
    out.writeBytes(b);
  }
}
