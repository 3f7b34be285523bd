package io.sslfarm.it;

import static org.junit.jupiter.api.Assertions.fail;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;

/**
 * Docker for the suite: is an engine there (fail or skip, see below), and the farm image built locally from the
 * project's Dockerfile on the offline base image — nothing is ever pulled.
 *
 * <p>Without an engine the suite FAILS when {@code IT_REQUIRE_DOCKER=true} (what {@code .ci/run} sets: CI
 * prepared Docker and a silent skip would hide that it did not) and is skipped otherwise.
 */
final class DockerSupport {

  private static final Logger log = LoggerFactory.getLogger(DockerSupport.class);
  static final String BASE_IMAGE = System.getProperty("sslfarm.it.baseImage", "sslfarm/jre17:local");
  static final String IMAGE = System.getProperty("sslfarm.it.image", "sslfarm:it");
  private static String built;

  private DockerSupport() {
  }

  static boolean required() {
    return "true".equalsIgnoreCase(System.getenv("IT_REQUIRE_DOCKER"));
  }

  /** Fails (CI) or skips (a developer's machine) the calling test when there is no usable Docker. */
  static void unavailable(String why) {
    String bar = "*".repeat(100);
    log.warn("\n{}\n*  sslfarm-it: the container end-to-end suite does NOT run: {}\n*  {}\n{}", bar, why,
        required() ? "IT_REQUIRE_DOCKER=true: this is a FAILURE"
            : "SKIPPED. Prepare Docker with ../shared/ci/docker-offline.sh; IT_REQUIRE_DOCKER=true makes this fail",
        bar);
    if (required()) {
      fail("IT_REQUIRE_DOCKER=true but " + why + " (CI prepares Docker with ../shared/ci/docker-offline.sh)");
    }
    Assumptions.abort("skipped: " + why + " (set IT_REQUIRE_DOCKER=true to make this a failure)");
  }

  static DockerClient client() {
    return DockerClientFactory.instance().client();
  }

  /** Project root (the Dockerfile's directory). */
  static Path root() {
    return Path.of(System.getProperty("sslfarm.root", "..")).toAbsolutePath().normalize();
  }

  /** Checks the engine and builds the image once per JVM; returns its name. */
  static synchronized String image() {
    if (built != null) {
      return built;
    }
    boolean available;
    try {
      available = DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException e) {
      available = false;
    }
    if (!available) {
      unavailable("no Docker engine answers");
    }
    try {
      client().inspectImageCmd(BASE_IMAGE).exec();
    } catch (NotFoundException e) {
      unavailable("the local base image " + BASE_IMAGE + " does not exist (no registry is reachable to pull one)");
    }
    Path jar = root().resolve("farm/target/sslfarm.jar");
    if (!Files.isRegularFile(jar)) {
      fail(jar + " is missing: the farm module must be packaged first (mvn verify does it)");
    }
    long t0 = System.nanoTime();
    File dockerfile = root().resolve("Dockerfile").toFile();
    // docker-java honours .dockerignore: the context is the jar and two scripts. pull=false: the base image is local.
    String id = client().buildImageCmd(dockerfile).withBaseDirectory(root().toFile()).withPull(false)
        .withBuildArg("BASE_IMAGE", BASE_IMAGE).withTags(Set.of(IMAGE)).withLabels(java.util.Map.of("sslfarm.it", "true"))
        .exec(new BuildImageResultCallback()).awaitImageId(5, TimeUnit.MINUTES);
    log.info("built {} ({}) from {} in {} ms", IMAGE, id, BASE_IMAGE, (System.nanoTime() - t0) / 1_000_000);
    built = IMAGE;
    return built;
  }
}
