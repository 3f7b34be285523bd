package io.sslfarm.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileEntryStoreTest {

  @TempDir
  Path dir;

  private final AtomicLong corrupt = new AtomicLong();

  @Test
  void writeThenRead_roundTrips_fileIsHeaderKeyValue() throws Exception {
    FileEntryStore s = new FileEntryStore(dir, corrupt);
    s.write("web", "{\"v\":\"é\"}");
    assertThat(s.read("web")).isEqualTo("{\"v\":\"é\"}");
    String file = Files.readString(s.file("web"), StandardCharsets.UTF_8);
    assertThat(file).matches("sslfarm-state 1 crc32c=[0-9a-f]{8} key=3 value=10\nweb\\{\"v\":\"é\"}");
    assertThat(s.scan().entries()).containsEntry("web", "{\"v\":\"é\"}");
    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(s.file("web"))))
        .isEqualTo("rw-------");
    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
        .isEqualTo("rwx------");
  }

  @Test
  void longKey_hashedFileName_keyReadFromContent() throws Exception {
    FileEntryStore s = new FileEntryStore(dir, corrupt);
    String key = "k".repeat(400);
    s.write(key, "v");
    assertThat(s.file(key).getFileName().toString()).startsWith("h-").hasSize(2 + 64 + FileEntryStore.SUFFIX.length());
    assertThat(s.scan().entries()).containsOnlyKeys(key);
  }

  @Test
  void leftoverTemporaryFile_removedOnScan_entryIntact() throws Exception {
    FileEntryStore s = new FileEntryStore(dir, corrupt);
    s.write("web", "v1");
    Files.writeString(dir.resolve(".tmp-1234"), "sslfarm-state 1 crc32c=");
    assertThat(s.scan().entries()).containsOnly(java.util.Map.entry("web", "v1"));
    assertThat(s.scan().corrupt()).isEmpty();
    assertThat(dir.resolve(".tmp-1234")).doesNotExist();
  }

  @Test
  void fileOfAnotherKey_isCorrupt() throws Exception {
    FileEntryStore s = new FileEntryStore(dir, corrupt);
    s.write("web", "v1");
    Files.move(s.file("web"), s.file("api"));
    assertThat(s.scan().corrupt()).singleElement().satisfies(c -> {
      assertThat(c.file()).isEqualTo(s.file("api"));
      assertThat(c.reason()).contains("holds key 'web'");
    });
    assertThat(s.read("api")).isNull();
    assertThat(corrupt.get()).isEqualTo(1);
  }

  @Test
  void bytesAfterTheValue_isCorrupt() throws Exception {
    FileEntryStore s = new FileEntryStore(dir, corrupt);
    s.write("web", "v1");
    Files.write(s.file("web"), "x".getBytes(StandardCharsets.US_ASCII), java.nio.file.StandardOpenOption.APPEND);
    assertThat(s.scan().corrupt()).singleElement().satisfies(c -> assertThat(c.reason()).contains("length mismatch"));
    assertThat(s.read("web")).isNull();
  }

  @Test
  void flippedValueByte_isCorrupt_emptyFileToo() throws Exception {
    FileEntryStore s = new FileEntryStore(dir, corrupt);
    s.write("web", "value");
    byte[] b = Files.readAllBytes(s.file("web"));
    b[b.length - 1] ^= 0x20;
    Files.write(s.file("web"), b);
    s.write("api", "v");
    Files.write(s.file("api"), new byte[0]);
    assertThat(s.scan().corrupt()).extracting(FileEntryStore.Corrupt::reason)
        .containsExactlyInAnyOrder("empty file", "checksum mismatch: crc32c " + crcOf("webvaluE") + ", header says "
            + crcOf("webvalue"));
    assertThat(s.scan().entries()).isEmpty();
  }

  @Test
  void delete_removesTheFile_deletingNothingIsFine() throws Exception {
    FileEntryStore s = new FileEntryStore(dir, corrupt);
    s.write("web", "v1");
    s.delete("web");
    s.delete("never-there");
    assertThat(s.read("web")).isNull();
    assertThat(s.scan().entries()).isEmpty();
  }

  private static String crcOf(String s) {
    java.util.zip.CRC32C c = new java.util.zip.CRC32C();
    c.update(s.getBytes(StandardCharsets.UTF_8));
    return String.format("%08x", c.getValue());
  }
}
