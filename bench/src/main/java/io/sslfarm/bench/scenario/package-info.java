/** What one operation of each scenario does on the wire, and the per-user state it keeps. */
package io.sslfarm.bench.scenario;
