/** picocli commands of {@code sslfarm}. */
package io.sslfarm.farm.cli;
