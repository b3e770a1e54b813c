/**
 * Egress: what a workflow's outbound calls may reach. {@link
 * io.nexusmesh.gateway.egress.EgressGuard} resolves a URL's host once, checks every address against
 * the organisation's policy and hands back the one address the call may connect to.
 */
@NullMarked
package io.nexusmesh.gateway.egress;

import org.jspecify.annotations.NullMarked;
