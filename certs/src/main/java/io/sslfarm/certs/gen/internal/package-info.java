/** X.509 building blocks shared by the dev CA and self-signed generation. */
package io.sslfarm.certs.gen.internal;
