package io.nexusmesh.client;

import io.nexusmesh.api.controlplane.v1.CreatePanelRequest;
import io.nexusmesh.api.controlplane.v1.DeletePanelRequest;
import io.nexusmesh.api.controlplane.v1.GetPanelRequest;
import io.nexusmesh.api.controlplane.v1.IssuePanelCredentialRequest;
import io.nexusmesh.api.controlplane.v1.IssuePanelCredentialResponse;
import io.nexusmesh.api.controlplane.v1.ListPanelsRequest;
import io.nexusmesh.api.controlplane.v1.Panel;
import io.nexusmesh.api.controlplane.v1.PanelMode;
import io.nexusmesh.api.controlplane.v1.PanelServiceGrpc;
import io.nexusmesh.api.controlplane.v1.StartPanelRequest;
import io.nexusmesh.api.controlplane.v1.StopPanelRequest;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Panels of the caller's organisation: records, their running instances and tools, and the
 * credentials their sidecars run with.
 */
public final class Panels {
  private final Endpoint endpoint;

  Panels(Endpoint endpoint) {
    this.endpoint = endpoint;
  }

  private PanelServiceGrpc.PanelServiceBlockingStub stub() {
    return endpoint.unary(PanelServiceGrpc.newBlockingStub(endpoint.channel()));
  }

  /** Creates a panel run outside Kubernetes (developers); safe to retry. */
  public Panel create(String name, PanelMode mode, String description) {
    return create(name, mode, description, "");
  }

  /**
   * Creates a panel (developers); with an {@code image} the panel manager runs it on Kubernetes (an
   * app panel's image by digest). Safe to retry.
   */
  public Panel create(String name, PanelMode mode, String description, String image) {
    return stub()
        .createPanel(
            CreatePanelRequest.newBuilder()
                .setName(name)
                .setMode(mode)
                .setDescription(description)
                .setImage(image)
                .setRequestId(UUID.randomUUID().toString())
                .build())
        .getPanel();
  }

  /** Starts a stopped panel (developers); safe to retry. */
  public Panel start(String name) {
    return stub()
        .startPanel(
            StartPanelRequest.newBuilder()
                .setName(name)
                .setRequestId(UUID.randomUUID().toString())
                .build())
        .getPanel();
  }

  /** Stops a panel (developers): its pods go, a studio panel's /home stays. Safe to retry. */
  public Panel stop(String name) {
    return stub()
        .stopPanel(
            StopPanelRequest.newBuilder()
                .setName(name)
                .setRequestId(UUID.randomUUID().toString())
                .build())
        .getPanel();
  }

  /** The panel, or empty when the organisation has none of that name. */
  public Optional<Panel> find(String name) {
    try {
      return Optional.of(
          stub().getPanel(GetPanelRequest.newBuilder().setName(name).build()).getPanel());
    } catch (io.grpc.StatusRuntimeException e) {
      if (e.getStatus().getCode() == io.grpc.Status.Code.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /** Every panel of the organisation (all pages). */
  public List<Panel> list() {
    return Pages.all(
        token ->
            stub()
                .listPanels(
                    ListPanelsRequest.newBuilder()
                        .setPageSize(Pages.SIZE)
                        .setPageToken(token)
                        .build()),
        r -> r.getPanelsList(),
        r -> r.getNextPageToken());
  }

  /** Deletes a panel (developers): its credentials stop working, its tools disappear. */
  public Panel delete(String name) {
    return stub()
        .deletePanel(
            DeletePanelRequest.newBuilder()
                .setName(name)
                .setRequestId(UUID.randomUUID().toString())
                .build())
        .getPanel();
  }

  /** A short-lived credential for the panel's sidecar (never for the panel's own code). */
  public IssuePanelCredentialResponse issueCredential(String name) {
    return stub()
        .issuePanelCredential(IssuePanelCredentialRequest.newBuilder().setName(name).build());
  }
}
