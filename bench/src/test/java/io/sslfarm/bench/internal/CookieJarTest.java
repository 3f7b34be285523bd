package io.sslfarm.bench.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class CookieJarTest {

    @Test
    void storesReplacesAndExpiresCookies() {
        CookieJar jar = new CookieJar();
        assertThat(jar.header()).isNull();
        jar.store(List.of("SRV=b1; Path=/; HttpOnly", "theme=dark"));
        assertThat(jar.header()).isEqualTo("SRV=b1; theme=dark");
        jar.store(List.of("SRV=b2; Max-Age=60"));
        assertThat(jar.asMap()).containsEntry("SRV", "b2");
        jar.store(List.of("theme=; Max-Age=0", "broken-no-equals"));
        assertThat(jar.header()).isEqualTo("SRV=b2");
    }
}
