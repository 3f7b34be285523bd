/** Helpers of {@code io.sslfarm.net}: address parsing without DNS, PROXY v2 TLV bytes. Not an API. */
package io.sslfarm.net.internal;
