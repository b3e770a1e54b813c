/** The organisations' egress policies: {@code EgressPolicyService}. */
@NullMarked
package io.nexusmesh.controlplane.egress;

import org.jspecify.annotations.NullMarked;
