/**
 * Panels on Kubernetes: what a panel should be on the cluster, translated by pure functions into
 * the manifests the panel manager applies (studio: a pod, its PVC, service and watchdog role; app:
 * a Knative Service), each pod sandboxed by gVisor and fenced by a NetworkPolicy, and the checks
 * every such manifest must pass.
 */
@NullMarked
package io.nexusmesh.controlplane.panel.k8s;

import org.jspecify.annotations.NullMarked;
