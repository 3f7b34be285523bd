/** The farm's shared state — node registry, farm config, sticky sessions, certificates, ticket keys — behind Hazelcast-free interfaces. */
package io.sslfarm.cluster;
