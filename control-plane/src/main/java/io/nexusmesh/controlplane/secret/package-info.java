/**
 * Organisation secrets: {@code SecretService}, encryption at rest ({@link
 * io.nexusmesh.controlplane.secret.SecretCipher}) and re-encryption after a key rotation.
 */
@NullMarked
package io.nexusmesh.controlplane.secret;

import org.jspecify.annotations.NullMarked;
