package io.sslfarm.net;

import java.time.Duration;

/**
 * The final account of one {@link Relay}.
 *
 * @param bytesToUpstream   bytes read from the downstream channel (client to upstream)
 * @param bytesToDownstream bytes read from the upstream channel (replies to the client)
 * @param reason            why it ended (a metric tag via {@link Relay.CloseReason#tag()})
 * @param cause             the error for {@code *_ERROR} reasons, else null
 * @param duration          from {@link Relay#prepare} to the close
 */
public record RelayStats(long bytesToUpstream, long bytesToDownstream, Relay.CloseReason reason, Throwable cause,
    Duration duration) {
}
