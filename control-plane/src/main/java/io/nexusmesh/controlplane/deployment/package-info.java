/**
 * Deployments: the DeploymentService API, the rollout of each deployment to the gateways of its
 * environment (pushed, retried with backoff, reconciled when a gateway registers), and the live
 * feed of rollout changes.
 */
@NullMarked
package io.nexusmesh.controlplane.deployment;

import org.jspecify.annotations.NullMarked;
