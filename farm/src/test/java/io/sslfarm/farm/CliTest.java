package io.sslfarm.farm;

import io.sslfarm.farm.cli.CliTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI as a user meets it: help everywhere, config errors naming the key, the shipped example in step. */
class CliTest {

  static CliTestSupport.Result run(String... args) {
    return CliTestSupport.run(args);
  }

  @Test
  void helpWorksForTheToolAndEveryCommand() {
    CliTestSupport.Result top = run("--help");
    assertThat(top.code()).isZero();
    List<String> commands = List.of("up", "edge", "ssl", "router", "backend", "apply", "status", "weight", "drain",
        "certs", "bench", "config");
    assertThat(top.out()).contains(commands);
    for (String c : commands) {
      CliTestSupport.Result r = run(c, "--help");
      assertThat(r.code()).as(c + " --help").isZero();
      assertThat(r.out()).as(c + " --help").contains("Usage: sslfarm " + c);
    }
    assertThat(run("certs", "add", "--help").out()).contains("--cert", "--key", "--id");
    assertThat(run("--version").out()).contains("sslfarm ");
  }

  @Test
  void exampleConfigFile_matchesEveryDeclaredKey() throws Exception {
    CliTestSupport.Result r = run("config", "example");
    assertThat(r.code()).isZero();
    Path shipped = Path.of("..", "sslfarm.example.yaml");
    assertThat(Files.readString(shipped)).as("sslfarm.example.yaml is stale: regenerate it with"
        + " `./sslfarm config example > sslfarm.example.yaml`").isEqualTo(r.out());
    for (var key : Schema.ALL.keys().values()) {
      assertThat(r.out()).contains(key.envName());
    }
  }

  @Test
  void configCheck_namesTheKeyOfTheFirstError(@TempDir Path dir) throws Exception {
    Path ok = dir.resolve("ok.yaml");
    Files.writeString(ok, "admin:\n  port: 9901\nedge:\n  port: 8443\n");
    assertThat(run("config", "check", ok.toString()).code()).isZero();

    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "admin:\n  port: 9901\nrouter:\n  prot: 8080\n");
    CliTestSupport.Result r = run("config", "check", bad.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("router.prot: unknown key");

    Files.writeString(bad, "node:\n  drain-timeout: forever\n");
    r = run("config", "check", bad.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("node.drain-timeout:");
  }

  @Test
  void nodeCommand_withBadValue_exitsWithTheKeyBeforeStartingAnything() {
    CliTestSupport.Result r = run("ssl", "--set", "ssl.port=99999");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("ssl.port:");
    r = run("router", "--set", "nonsense.key=1");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("nonsense.key: unknown key");
  }

  @Test
  void adminCommands_withoutAFarm_sayWhatIsWrong(@TempDir Path dir) throws Exception {
    Path token = dir.resolve("t");
    Files.writeString(token, "0123456789abcdef0123");
    CliTestSupport.Result r = run("status", "--admin", "127.0.0.1:1", "--token-file", token.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("cannot reach the admin API");
    r = run("weight", "n1", "101", "--admin", "127.0.0.1:1", "--token-file", token.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("0-100");
  }
}
