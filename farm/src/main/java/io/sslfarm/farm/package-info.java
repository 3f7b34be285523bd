/** The {@code sslfarm} executable: one jar, one CLI, every role. */
package io.sslfarm.farm;
