/**
 * How organisation secrets travel from the control plane to a gateway: sealed with HPKE (Tink) to a
 * key pair the gateway makes at start and never lets out of its memory.
 */
@NullMarked
package io.nexusmesh.runtime.secrets;

import org.jspecify.annotations.NullMarked;
