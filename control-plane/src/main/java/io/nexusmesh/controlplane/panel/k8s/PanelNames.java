package io.nexusmesh.controlplane.panel.k8s;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * The names and labels of what a panel makes: {@code panel-<org>-<name>} (a DNS label; a digest
 * replaces the tail when that would pass 63 characters), labelled with the org and panel so that
 * every resource of a panel can be found, and its pods selected by its NetworkPolicy.
 */
public final class PanelNames {
  /** The label every resource the panel manager makes carries. */
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";

  /** Its value. */
  public static final String MANAGER = "nexus-panel-manager";

  /** The label naming the panel's organisation. */
  public static final String ORG = "nexus.io/org";

  /** The label naming the panel. */
  public static final String PANEL = "nexus.io/panel";

  /** The label marking a panel's pods (studio pods and app revisions alike). */
  public static final String PANEL_POD = "nexus.io/panel-pod";

  private PanelNames() {}

  /** The base name of everything panel {@code name} of {@code org} makes. */
  public static String base(String org, String name) {
    String plain = "panel-" + org + "-" + name;
    if (plain.length() <= 50) {
      return plain;
    }
    return plain.substring(0, 41) + "-" + digest(org + "/" + name);
  }

  /** The labels of everything the panel makes. */
  public static Map<String, String> labels(DesiredPanel panel) {
    return Map.of(MANAGED_BY, MANAGER, ORG, panel.org(), PANEL, panel.name());
  }

  /** The labels of the panel's pods: its labels and the pod marker. */
  public static Map<String, String> podLabels(DesiredPanel panel) {
    return Map.of(MANAGED_BY, MANAGER, ORG, panel.org(), PANEL, panel.name(), PANEL_POD, "true");
  }

  private static String digest(String text) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no SHA-256", e);
    }
  }
}
