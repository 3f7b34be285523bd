/** Stickiness: signed inserted cookies and learned application sessions. */
package io.sslfarm.router.affinity;
