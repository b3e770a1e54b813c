package io.nexusmesh.controlplane.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.nexusmesh.api.controlplane.v1.PanelMode;
import io.nexusmesh.api.controlplane.v1.PanelPhase;
import io.nexusmesh.api.controlplane.v1.PanelStatus;
import io.nexusmesh.api.sidecar.v1.ManifestState;
import io.nexusmesh.api.sidecar.v1.Tool;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The panel tables' cases of the store suite (run on H2 and PostgreSQL by {@link StoreContract}):
 * records scoped by org, instance reports and heartbeats, the silent-instance sweep, credentials
 * and deletion taking everything of a panel with it.
 */
interface PanelStoreCases {
  /** The suite's database. */
  JdbcClient jdbc();

  private static PanelStore.Report report(String instance, String... tools) {
    return new PanelStore.Report(
        instance,
        "127.0.0.1:5000",
        java.util.Arrays.stream(tools).map(t -> Tool.newBuilder().setName(t).build()).toList(),
        ManifestState.MANIFEST_STATE_READY,
        "",
        new byte[] {1, 2, 3});
  }

  @Test
  default void panelsAreScopedByOrgAndCarryTheirInstance() {
    PanelStore panels = new PanelStore(jdbc());
    String org = "org-" + UUID.randomUUID();
    Instant now = Instant.parse("2026-12-01T10:00:00Z");
    assertThat(panels.insert(org, "notes", PanelMode.PANEL_MODE_STUDIO, "d", "", "ada", now))
        .isTrue();
    assertThat(panels.insert(org, "notes", PanelMode.PANEL_MODE_APP, "", "", "bob", now)).isFalse();
    assertThat(panels.find("other-" + org, "notes")).isEmpty();
    assertThat(panels.find(org, "notes").orElseThrow().running()).isFalse();
    assertThat(panels.running(org)).isEmpty();

    panels.report(org, "notes", report("i-1", "a", "b"), now, now);
    var held = panels.find(org, "notes").orElseThrow();
    assertThat(held.panel().getInstance().getToolsList())
        .extracting(Tool::getName)
        .containsExactly("a", "b");
    assertThat(held.encryptedInvokeKey()).containsExactly(1, 2, 3);
    assertThat(PanelStore.sameRoute(held.panel().getInstance(), report("i-1", "a", "b"))).isTrue();
    assertThat(PanelStore.sameRoute(held.panel().getInstance(), report("i-1", "a"))).isFalse();
    assertThat(PanelStore.sameRoute(held.panel().getInstance(), report("i-2", "a", "b"))).isFalse();
    assertThat(panels.running(org)).hasSize(1);
    assertThat(panels.list(org, "", 10))
        .extracting(r -> r.panel().getName())
        .containsExactly("notes");

    assertThat(panels.touch(org, "notes", "i-2", now.plusSeconds(5))).isFalse();
    assertThat(panels.touch(org, "notes", "i-1", now.plusSeconds(5))).isTrue();
    assertThat(panels.withdraw(org, "notes", "i-2")).isFalse();
    assertThat(panels.withdraw(org, "notes", "i-1")).isTrue();
    assertThat(panels.running(org)).isEmpty();
  }

  @Test
  default void theSweepWithdrawsOnlySilentInstances() {
    PanelStore panels = new PanelStore(jdbc());
    String org = "org-" + UUID.randomUUID();
    Instant now = Instant.parse("2030-01-01T10:00:00Z");
    for (String name : List.of("quiet", "chatty")) {
      panels.insert(org, name, PanelMode.PANEL_MODE_STUDIO, "", "", "ada", now);
      panels.report(org, name, report("i-" + name, "t"), now, now);
    }
    panels.touch(org, "chatty", "i-chatty", now.plus(Duration.ofSeconds(40)));
    assertThat(panels.withdrawSilentSince(now.plus(Duration.ofSeconds(10)))).contains(org);
    assertThat(panels.running(org)).extracting(r -> r.panel().getName()).containsExactly("chatty");
  }

  @Test
  default void deletingAPanelDeletesItsInstanceAndCredentials() {
    PanelStore panels = new PanelStore(jdbc());
    PanelCredentialStore credentials = new PanelCredentialStore(jdbc());
    String org = "org-" + UUID.randomUUID();
    Instant now = Instant.parse("2026-12-01T10:00:00Z");
    panels.insert(org, "gone", PanelMode.PANEL_MODE_STUDIO, "", "", "ada", now);
    panels.report(org, "gone", report("i-1", "t"), now, now);
    String id = UUID.randomUUID().toString().replace("-", "").substring(0, 20);
    credentials.insert(id, org, "gone", "a".repeat(64), now, now.plusSeconds(3600));
    assertThat(credentials.find(id))
        .hasValueSatisfying(c -> assertThat(c.panel()).isEqualTo("gone"));
    assertThat(panels.delete(org, "gone")).isPresent();
    assertThat(credentials.find(id)).isEmpty();
    assertThat(panels.find(org, "gone")).isEmpty();
    assertThat(panels.delete(org, "gone")).isEmpty();
  }

  @Test
  default void panelsOnKubernetesKeepTheirImageStartedFlagAndStatus() {
    PanelStore panels = new PanelStore(jdbc());
    String org = "org-" + UUID.randomUUID();
    Instant now = Instant.parse("2026-12-01T10:00:00Z");
    panels.insert(org, "local", PanelMode.PANEL_MODE_STUDIO, "", "", "ada", now);
    panels.insert(org, "k8s", PanelMode.PANEL_MODE_APP, "", "ghcr.io/a/b@sha256:00", "ada", now);
    assertThat(panels.find(org, "local").orElseThrow().panel().hasStatus()).isFalse();
    var held = panels.find(org, "k8s").orElseThrow().panel();
    assertThat(held.getImage()).isEqualTo("ghcr.io/a/b@sha256:00");
    assertThat(held.getStarted()).isTrue();
    assertThat(held.getStatus().getPhase()).isEqualTo(PanelPhase.PANEL_PHASE_UNSPECIFIED);
    assertThat(panels.withImage(org, "", 1000))
        .extracting(r -> r.panel().getName())
        .containsExactly("k8s");
    assertThat(panels.withImage(org, "k8s", 1000)).isEmpty();

    PanelStatus ready =
        PanelStatus.newBuilder()
            .setPhase(PanelPhase.PANEL_PHASE_RUNNING)
            .setRevision("k8s-00001")
            .setUrl("http://k8s.example")
            .build();
    assertThat(panels.writeStatus(org, "k8s", ready, now)).isTrue();
    assertThat(panels.writeStatus(org, "k8s", ready, now.plusSeconds(1))).isFalse();
    var status = panels.find(org, "k8s").orElseThrow().panel().getStatus();
    assertThat(status.getRevision()).isEqualTo("k8s-00001");
    assertThat(status.getUpdateTime().getSeconds()).isEqualTo(now.getEpochSecond());

    assertThat(panels.setStarted(org, "k8s", false)).isTrue();
    assertThat(panels.find(org, "k8s").orElseThrow().panel().getStarted()).isFalse();
    assertThat(panels.setStarted(org, "missing", true)).isFalse();
  }
}
