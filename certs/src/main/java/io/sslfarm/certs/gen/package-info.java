/** Development certificates: a local dev CA, leaf certificates issued by it, and plain self-signed certificates. */
package io.sslfarm.certs.gen;
