/**
 * The web console's server side: its files and settings at {@code /console}, and in dev mode the
 * dev issuer's authorization server (authorization code + PKCE, one-time sign-in links).
 */
@NullMarked
package io.nexusmesh.controlplane.console;

import org.jspecify.annotations.NullMarked;
