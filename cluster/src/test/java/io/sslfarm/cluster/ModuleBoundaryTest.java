package io.sslfarm.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Architecture rules checked on the sources of every module: only {@code cluster} imports Hazelcast (tiers see the
 * small interfaces of {@code io.sslfarm.cluster}), and inside {@code cluster} only the {@code internal} package does.
 */
class ModuleBoundaryTest {

  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

  private static List<Path> javaSources() throws IOException {
    try (Stream<Path> s = Files.walk(ROOT)) {
      return s.filter(p -> p.toString().endsWith(".java"))
          .filter(p -> !p.toString().contains("/target/"))
          .filter(p -> !ROOT.relativize(p).startsWith(".git"))
          .toList();
    }
  }

  private static boolean importsHazelcast(Path p) {
    try {
      return Files.readAllLines(p).stream().anyMatch(l -> l.matches("\\s*import\\s+(static\\s+)?com\\.hazelcast\\..*"));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void hazelcastIsImportedOnlyByTheClusterModulesInternalPackage() throws IOException {
    List<Path> sources = javaSources();
    assertThat(sources).as("sources found under " + ROOT).hasSizeGreaterThan(20);
    List<String> offenders = sources.stream().filter(ModuleBoundaryTest::importsHazelcast)
        .map(p -> ROOT.relativize(p).toString())
        .filter(p -> !p.startsWith("cluster/src/main/java/io/sslfarm/cluster/internal/")
            && !p.startsWith("cluster/src/test/"))
        .toList();
    assertThat(offenders).as("files importing com.hazelcast outside cluster's internal package").isEmpty();
    assertThat(sources.stream().filter(ModuleBoundaryTest::importsHazelcast))
        .as("the rule must have something to check").isNotEmpty();
  }
}
