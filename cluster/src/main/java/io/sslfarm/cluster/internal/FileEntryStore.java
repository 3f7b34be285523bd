package io.sslfarm.cluster.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One map's entries on local disk: one file per entry, {@code <name>.entry}, where the name is the key in base64url
 * (or {@code h-<sha-256 of the key>} for long keys). Each file is
 *
 * <pre>
 *   sslfarm-state 1 crc32c=1a2b3c4d key=12 value=345\n   header line (ASCII)
 *   &lt;key bytes, UTF-8&gt;&lt;value bytes, UTF-8&gt;            exactly key + value bytes, nothing after
 * </pre>
 *
 * where the CRC32C covers the key and value bytes. A write goes to a temporary file in the same directory, is forced
 * to disk, renamed over the entry atomically, and the directory is forced: a crash leaves the old entry or the new
 * one, never a mix (a leftover {@code .tmp-*} file is a write that never happened and is removed on open). A file
 * whose header, length, checksum or key does not match is <em>corrupt</em>: it is never returned as a value.
 *
 * <p>Thread-safe: writes and deletes of one key are serialized by a lock stripe; different keys proceed in parallel.
 */
final class FileEntryStore {

  private static final Logger log = LoggerFactory.getLogger(FileEntryStore.class);
  static final String SUFFIX = ".entry";
  static final String CORRUPT_SUFFIX = ".corrupt";
  private static final String TMP_PREFIX = ".tmp-";
  private static final String MAGIC = "sslfarm-state 1 ";
  private static final int MAX_HEADER = 128;
  private static final boolean POSIX = java.nio.file.FileSystems.getDefault().supportedFileAttributeViews()
      .contains("posix");
  private static final FileAttribute<?> OWNER_ONLY = PosixFilePermissions.asFileAttribute(
      PosixFilePermissions.fromString("rw-------"));

  /** A file that is not a valid entry, and why. */
  record Corrupt(Path file, String reason) {
    @Override
    public String toString() {
      return file + " (" + reason + ")";
    }
  }

  /** Everything in the directory: valid entries by key, and the corrupt files. */
  record Contents(Map<String, String> entries, List<Corrupt> corrupt) {
  }

  private final Path dir;
  private final Object[] locks = new Object[32];
  private final AtomicLong corruptSeen;

  FileEntryStore(Path dir, AtomicLong corruptSeen) throws IOException {
    this.dir = dir;
    this.corruptSeen = corruptSeen;
    for (int i = 0; i < locks.length; i++) {
      locks[i] = new Object();
    }
    Files.createDirectories(dir);
    if (POSIX) {
      // sealed keys and the farm's routing: readable by the node's user only, like the master key
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    }
  }

  Path dir() {
    return dir;
  }

  /** Reads every entry file; removes leftover temporary files (interrupted writes). */
  Contents scan() throws IOException {
    Map<String, String> entries = new TreeMap<>();
    List<Corrupt> corrupt = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        if (name.startsWith(TMP_PREFIX)) {
          log.info("removing {}: an interrupted write (the entry it would have replaced is intact)", f);
          Files.deleteIfExists(f);
        } else if (name.endsWith(SUFFIX)) {
          try {
            Map.Entry<String, String> e = decode(f, Files.readAllBytes(f));
            entries.put(e.getKey(), e.getValue());
          } catch (CorruptEntry c) {
            corrupt.add(new Corrupt(f, c.getMessage()));
          }
        }
      }
    }
    return new Contents(entries, corrupt);
  }

  /** The value stored for {@code key}, or null if there is none or its file is corrupt (logged and counted). */
  String read(String key) {
    Path f = file(key);
    try {
      return decode(f, Files.readAllBytes(f)).getValue();
    } catch (NoSuchFileException e) {
      return null;
    } catch (CorruptEntry c) {
      corruptSeen.incrementAndGet();
      log.error("durable state: corrupt store file {} ({}): entry '{}' not served", f, c.getMessage(), key);
      return null;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot read " + f, e);
    }
  }

  /** Writes {@code key → value} atomically and durably (temp file, fsync, rename, fsync of the directory). */
  void write(String key, String value) {
    Path target = file(key);
    byte[] bytes = encode(key, value);
    synchronized (lock(key)) {
      Path tmp = dir.resolve(TMP_PREFIX + Long.toHexString(ThreadLocalRandom.current().nextLong()));
      try {
        try (FileChannel ch = POSIX
            ? FileChannel.open(tmp, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), OWNER_ONLY)
            : FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
          ByteBuffer b = ByteBuffer.wrap(bytes);
          while (b.hasRemaining()) {
            ch.write(b);
          }
          ch.force(true);
        }
        try {
          Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        forceDir();
      } catch (IOException e) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // the temporary file is removed on the next open
        }
        throw new java.io.UncheckedIOException("cannot write " + target, e);
      }
    }
  }

  /** Removes the entry of {@code key} (durably); no file is fine. */
  void delete(String key) {
    Path target = file(key);
    synchronized (lock(key)) {
      try {
        if (Files.deleteIfExists(target)) {
          forceDir();
        }
      } catch (IOException e) {
        throw new java.io.UncheckedIOException("cannot delete " + target, e);
      }
    }
  }

  /** Renames a corrupt file out of the way ({@code <file>.corrupt}) so that it is kept for inspection, not loaded. */
  Path quarantine(Path corruptFile) throws IOException {
    Path aside = corruptFile.resolveSibling(corruptFile.getFileName() + CORRUPT_SUFFIX);
    Files.move(corruptFile, aside, StandardCopyOption.REPLACE_EXISTING);
    forceDir();
    return aside;
  }

  Path file(String key) {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    String name = Base64.getUrlEncoder().withoutPadding().encodeToString(k);
    if (name.length() > 200) {
      name = "h-" + HexFormat.of().formatHex(sha256(k));
    }
    return dir.resolve(name + SUFFIX);
  }

  private Object lock(String key) {
    return locks[Math.floorMod(key.hashCode(), locks.length)];
  }

  private void forceDir() {
    // POSIX: the rename or unlink itself is durable only once the directory is synced
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      log.debug("cannot sync directory {}: {}", dir, e.toString());
    }
  }

  static byte[] encode(String key, String value) {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    byte[] v = value.getBytes(StandardCharsets.UTF_8);
    CRC32C crc = new CRC32C();
    crc.update(k);
    crc.update(v);
    byte[] header = String.format("%scrc32c=%08x key=%d value=%d\n", MAGIC, crc.getValue(), k.length, v.length)
        .getBytes(StandardCharsets.US_ASCII);
    ByteBuffer b = ByteBuffer.allocate(header.length + k.length + v.length);
    return b.put(header).put(k).put(v).array();
  }

  private Map.Entry<String, String> decode(Path f, byte[] bytes) throws CorruptEntry {
    int nl = -1;
    for (int i = 0; i < Math.min(bytes.length, MAX_HEADER); i++) {
      if (bytes[i] == '\n') {
        nl = i;
        break;
      }
    }
    if (nl < 0) {
      throw new CorruptEntry(bytes.length == 0 ? "empty file" : "no header line");
    }
    String header = new String(bytes, 0, nl, StandardCharsets.US_ASCII);
    if (!header.startsWith(MAGIC)) {
      throw new CorruptEntry("not an sslfarm state file (bad header)");
    }
    long crc;
    int keyLen;
    int valueLen;
    try {
      String[] parts = header.substring(MAGIC.length()).split(" ");
      if (parts.length != 3 || !parts[0].startsWith("crc32c=") || !parts[1].startsWith("key=")
          || !parts[2].startsWith("value=")) {
        throw new CorruptEntry("bad header");
      }
      crc = Long.parseLong(parts[0].substring(7), 16);
      keyLen = Integer.parseInt(parts[1].substring(4));
      valueLen = Integer.parseInt(parts[2].substring(6));
    } catch (NumberFormatException e) {
      throw new CorruptEntry("bad header");
    }
    long expected = (long) nl + 1 + keyLen + valueLen;
    if (keyLen < 0 || valueLen < 0 || expected != bytes.length) {
      throw new CorruptEntry(bytes.length < expected
          ? "truncated: " + bytes.length + " of " + expected + " bytes"
          : "length mismatch: " + bytes.length + " bytes, header says " + expected);
    }
    CRC32C c = new CRC32C();
    c.update(bytes, nl + 1, keyLen + valueLen);
    if (c.getValue() != crc) {
      throw new CorruptEntry(String.format("checksum mismatch: crc32c %08x, header says %08x", c.getValue(), crc));
    }
    String key = new String(bytes, nl + 1, keyLen, StandardCharsets.UTF_8);
    if (!file(key).getFileName().equals(f.getFileName())) {
      throw new CorruptEntry("holds key '" + key + "', which belongs in " + file(key).getFileName());
    }
    return Map.entry(key, new String(bytes, nl + 1 + keyLen, valueLen, StandardCharsets.UTF_8));
  }

  private static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final class CorruptEntry extends Exception {
    CorruptEntry(String reason) {
      super(reason, null, false, false);
    }
  }
}
