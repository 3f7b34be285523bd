package io.sslfarm.router.config;

import java.time.Duration;

/**
 * Stickiness of a pool.
 *
 * @param mode        insert, learn or none
 * @param cookie      insert mode: the router's own cookie name
 * @param learnCookie learn mode: the application's session cookie (e.g. {@code JSESSIONID})
 * @param idleTtl     how long an unused binding lives (insert: cookie age since last refresh; learn: table idle TTL);
 *                    zero = insert cookies never go stale (learn mode requires a positive TTL)
 * @param strict      if the sticky backend is down or gone: true = 503, false = re-pick and re-stick
 */
public record StickySpec(Mode mode, String cookie, String learnCookie, Duration idleTtl, boolean strict) {

  public enum Mode { INSERT, LEARN, NONE }

  public static final String DEFAULT_COOKIE = "SSLFARM_STICKY";
  public static final String DEFAULT_LEARN_COOKIE = "JSESSIONID";
  public static final Duration DEFAULT_IDLE_TTL = Duration.ofMinutes(30);

  public static final StickySpec NONE = new StickySpec(Mode.NONE, DEFAULT_COOKIE, DEFAULT_LEARN_COOKIE,
      DEFAULT_IDLE_TTL, false);
}
