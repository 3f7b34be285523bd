/** Hazelcast-backed implementations; the only package in the farm that imports {@code com.hazelcast}. */
package io.sslfarm.cluster.internal;
