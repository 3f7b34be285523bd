/** Edge machinery not meant for other modules: the native-transport probe. */
package io.sslfarm.edge.internal;
