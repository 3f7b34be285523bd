/** Node configuration: one YAML file per node, every key overridable by an {@code SSLFARM_…} environment variable, validated once at start-up. */
package io.sslfarm.config;
