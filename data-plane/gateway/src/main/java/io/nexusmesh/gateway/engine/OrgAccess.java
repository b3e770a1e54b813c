package io.nexusmesh.gateway.engine;

import io.nexusmesh.runtime.egress.EgressPolicy;

/** What an organisation's workflows may reach and the secrets they may use there. */
public interface OrgAccess {
  /** What a secret lookup found. */
  sealed interface SecretLookup {
    /** The secret's value. */
    record Found(String value) implements SecretLookup {}

    /** The organisation has no secret of that name. */
    record Missing() implements SecretLookup {}

    /**
     * The organisation's secrets are held sealed to a key of an earlier run of this gateway; the
     * control plane pushes them again after it registers.
     */
    record NotYetDelivered() implements SecretLookup {}
  }

  /** The organisation's egress policy (the default one when it has none). */
  EgressPolicy egressPolicy(String org);

  /** The organisation's secret {@code name}. */
  SecretLookup secret(String org, String name);

  /**
   * The organisation's panel {@code name}, when it has a running instance this gateway can call.
   */
  java.util.Optional<io.nexusmesh.gateway.panel.ReachablePanel> panel(String org, String name);

  /** The organisation's panels with a running instance this gateway can call. */
  java.util.List<io.nexusmesh.gateway.panel.ReachablePanel> panels(String org);
}
