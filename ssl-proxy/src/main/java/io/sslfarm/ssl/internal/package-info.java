/** Implementation details of the SSL tier; not for use by other modules. */
package io.sslfarm.ssl.internal;
