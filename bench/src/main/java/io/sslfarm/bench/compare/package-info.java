/** Side-by-side runs against sslfarm, HAProxy and nginx started on loopback by the harness. */
package io.sslfarm.bench.compare;
