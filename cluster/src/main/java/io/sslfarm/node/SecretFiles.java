package io.sslfarm.node;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import java.util.UUID;

/**
 * Files holding secrets (master key, admin token, private keys): created owner-only ({@code rw-------}) from the first
 * byte (a temporary file in the same directory created with that mode, written, fsync'ed, then moved into place), and
 * checked for group/other access when read. On a file system without POSIX permissions the files are written plainly.
 */
public final class SecretFiles {

  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> LOOSE = EnumSet.of(PosixFilePermission.GROUP_READ,
      PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);

  private SecretFiles() {
  }

  /**
   * Creates {@code file} with {@code content}, owner-only, unless it exists: a file that is already there (also one a
   * concurrent starter created meanwhile) is left as it is.
   *
   * @return true if this call created the file, false if it existed (read it)
   */
  public static boolean createIfAbsent(Path file, String content) throws IOException {
    return write(file, content, false);
  }

  /** Writes {@code file} owner-only, replacing an existing one atomically. */
  public static void replace(Path file, String content) throws IOException {
    write(file, content, true);
  }

  private static boolean write(Path file, String content, boolean replace) throws IOException {
    Path abs = file.toAbsolutePath();
    Path dir = abs.getParent();
    Files.createDirectories(dir);
    if (!replace && Files.exists(abs)) {
      return false;
    }
    Path tmp = dir.resolve("." + abs.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try {
      try (FileChannel ch = open(tmp)) {
        ByteBuffer b = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
          ch.write(b);
        }
        ch.force(true);
      }
      if (replace) {
        Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return true;
      }
      // A hard link fails if the target exists (no replacing what a concurrent starter wrote); where the file system
      // has none, an atomic move (which may replace on some platforms: checked just before).
      try {
        Files.createLink(abs, tmp);
        return true;
      } catch (FileAlreadyExistsException e) {
        return false;
      } catch (UnsupportedOperationException | FileSystemException e) {
        if (Files.exists(abs)) {
          return false;
        }
        try {
          Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
          return true;
        } catch (FileAlreadyExistsException e2) {
          return false;
        }
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static FileChannel open(Path tmp) throws IOException {
    Set<StandardOpenOption> opts = EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    FileAttribute<Set<PosixFilePermission>> attr = PosixFilePermissions.asFileAttribute(OWNER_ONLY);
    try {
      return FileChannel.open(tmp, opts, attr);
    } catch (UnsupportedOperationException e) {
      return FileChannel.open(tmp, opts); // not a POSIX file system
    }
  }

  /**
   * The permissions of {@code file} (e.g. {@code rw-r--r--}) if group or others may read or write it, else null (also
   * on a file system without POSIX permissions).
   */
  public static String loosePermissions(Path file) throws IOException {
    Set<PosixFilePermission> p;
    try {
      p = Files.getPosixFilePermissions(file);
    } catch (UnsupportedOperationException e) {
      return null;
    }
    for (PosixFilePermission x : LOOSE) {
      if (p.contains(x)) {
        return PosixFilePermissions.toString(p);
      }
    }
    return null;
  }
}
