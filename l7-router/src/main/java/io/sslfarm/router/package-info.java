/** The L7 router tier: cookie-sticky HTTP reverse proxy behind the SSL tier ({@link io.sslfarm.router.RouterTier}). */
package io.sslfarm.router;
