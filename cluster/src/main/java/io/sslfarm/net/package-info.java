/**
 * The network kit every tier shares: CIDR sets and ordered allow/deny rules, the PROXY protocol v2 header (encoder,
 * typed {@link io.sslfarm.net.ProxyInfo}, a trusted-source {@link io.sslfarm.net.ProxyProtocolGate}) and the
 * {@link io.sslfarm.net.Relay} that pipes bytes between a downstream and an upstream channel.
 */
package io.sslfarm.net;
