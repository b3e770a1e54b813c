package io.nexusmesh.controlplane.panel;

import static io.nexusmesh.controlplane.Unary.reply;
import static java.util.Objects.requireNonNull;

import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import com.linecorp.armeria.server.annotation.Blocking;
import io.grpc.stub.StreamObserver;
import io.nexusmesh.api.controlplane.v1.CreatePanelRequest;
import io.nexusmesh.api.controlplane.v1.CreatePanelResponse;
import io.nexusmesh.api.controlplane.v1.DeletePanelRequest;
import io.nexusmesh.api.controlplane.v1.DeletePanelResponse;
import io.nexusmesh.api.controlplane.v1.GetPanelRequest;
import io.nexusmesh.api.controlplane.v1.GetPanelResponse;
import io.nexusmesh.api.controlplane.v1.IssuePanelCredentialRequest;
import io.nexusmesh.api.controlplane.v1.IssuePanelCredentialResponse;
import io.nexusmesh.api.controlplane.v1.ListPanelsRequest;
import io.nexusmesh.api.controlplane.v1.ListPanelsResponse;
import io.nexusmesh.api.controlplane.v1.PanelMode;
import io.nexusmesh.api.controlplane.v1.PanelServiceGrpc;
import io.nexusmesh.api.controlplane.v1.RenewPanelCredentialRequest;
import io.nexusmesh.api.controlplane.v1.RenewPanelCredentialResponse;
import io.nexusmesh.api.controlplane.v1.ReportPanelInstanceRequest;
import io.nexusmesh.api.controlplane.v1.ReportPanelInstanceResponse;
import io.nexusmesh.api.controlplane.v1.StartPanelRequest;
import io.nexusmesh.api.controlplane.v1.StartPanelResponse;
import io.nexusmesh.api.controlplane.v1.StopPanelRequest;
import io.nexusmesh.api.controlplane.v1.StopPanelResponse;
import io.nexusmesh.controlplane.authz.Authz;
import io.nexusmesh.controlplane.authz.Permission;
import io.nexusmesh.controlplane.deployment.RolloutPusher;
import io.nexusmesh.controlplane.store.ApiKeyStore;
import io.nexusmesh.controlplane.store.Mutations;
import io.nexusmesh.controlplane.store.Mutations.Change;
import io.nexusmesh.controlplane.store.PageTokens;
import io.nexusmesh.controlplane.store.PanelStore;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.error.NexusException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.springframework.stereotype.Component;

/**
 * {@code nexus.controlplane.v1.PanelService}: an organisation's panels, their sidecars' credentials
 * and running instances. Every change is audited; a change of what gateways route by (an instance
 * starting, its tools changing, it stopping, the panel being deleted) advances the organisation's
 * key generation in its transaction and is pushed to its gateways. A heartbeat that changes nothing
 * only moves the instance's last-seen time.
 */
@Component
@Blocking
public class PanelGrpcService extends PanelServiceGrpc.PanelServiceImplBase {
  /** How often sidecars report; an instance silent for three intervals is withdrawn. */
  public static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(10);

  private final PanelStore store;
  private final PanelCredentials credentials;
  private final InvokeKeys invokeKeys;
  private final ApiKeyStore generations;
  private final Mutations mutations;
  private final RolloutPusher pusher;
  private final Clock clock;
  private final PanelChanges changes;

  public PanelGrpcService(
      PanelStore store,
      PanelCredentials credentials,
      InvokeKeys invokeKeys,
      ApiKeyStore generations,
      Mutations mutations,
      RolloutPusher pusher,
      Clock clock,
      java.util.Optional<PanelChanges> changes) {
    this.store = requireNonNull(store, "store");
    this.credentials = requireNonNull(credentials, "credentials");
    this.invokeKeys = requireNonNull(invokeKeys, "invokeKeys");
    this.generations = requireNonNull(generations, "generations");
    this.mutations = requireNonNull(mutations, "mutations");
    this.pusher = requireNonNull(pusher, "pusher");
    this.clock = requireNonNull(clock, "clock");
    this.changes = changes.orElse(PanelChanges.NONE);
  }

  @Override
  public void createPanel(
      CreatePanelRequest request, StreamObserver<CreatePanelResponse> response) {
    Principal caller = Authz.require(Permission.PANELS_WRITE);
    PanelMode mode =
        request.getMode() == PanelMode.PANEL_MODE_UNSPECIFIED
            ? PanelMode.PANEL_MODE_STUDIO
            : request.getMode();
    if (mode == PanelMode.PANEL_MODE_APP
        && !request.getImage().isEmpty()
        && !request.getImage().contains("@sha256:")) {
      throw NexusException.invalidArgument(
          "image",
          "an app panel's image must be referenced by digest (name@sha256:<64 hex digits>)");
    }
    reply(
        response,
        mutations.run(
            caller,
            PanelServiceGrpc.getCreatePanelMethod().getFullMethodName(),
            request.getRequestId(),
            CreatePanelResponse.parser(),
            now -> {
              if (!store.insert(
                  caller.org(),
                  request.getName(),
                  mode,
                  request.getDescription(),
                  request.getImage(),
                  caller.subject(),
                  now)) {
                throw NexusException.alreadyExists("panel", request.getName());
              }
              var row = store.find(caller.org(), request.getName()).orElseThrow();
              return new Change<>(
                  CreatePanelResponse.newBuilder().setPanel(row.panel()).build(),
                  row.panel().getResourceName());
            }));
    changes.changed(caller.org(), request.getName());
  }

  @Override
  public void startPanel(StartPanelRequest request, StreamObserver<StartPanelResponse> response) {
    Principal caller = Authz.require(Permission.PANELS_WRITE);
    reply(
        response,
        mutations.run(
            caller,
            PanelServiceGrpc.getStartPanelMethod().getFullMethodName(),
            request.getRequestId(),
            StartPanelResponse.parser(),
            now -> {
              var row = setStarted(caller, request.getName(), true);
              return new Change<>(
                  StartPanelResponse.newBuilder().setPanel(row.panel()).build(),
                  row.panel().getResourceName());
            }));
    changes.changed(caller.org(), request.getName());
  }

  @Override
  public void stopPanel(StopPanelRequest request, StreamObserver<StopPanelResponse> response) {
    Principal caller = Authz.require(Permission.PANELS_WRITE);
    reply(
        response,
        mutations.run(
            caller,
            PanelServiceGrpc.getStopPanelMethod().getFullMethodName(),
            request.getRequestId(),
            StopPanelResponse.parser(),
            now -> {
              var row = setStarted(caller, request.getName(), false);
              return new Change<>(
                  StopPanelResponse.newBuilder().setPanel(row.panel()).build(),
                  row.panel().getResourceName());
            }));
    changes.changed(caller.org(), request.getName());
  }

  private PanelStore.Row setStarted(Principal caller, String name, boolean started) {
    if (!store.setStarted(caller.org(), name, started)) {
      throw NexusException.notFound("panel", name);
    }
    return find(caller, name);
  }

  @Override
  public void getPanel(GetPanelRequest request, StreamObserver<GetPanelResponse> response) {
    Principal caller = Authz.require(Permission.PANELS_READ);
    reply(
        response,
        GetPanelResponse.newBuilder().setPanel(find(caller, request.getName()).panel()).build());
  }

  @Override
  public void listPanels(ListPanelsRequest request, StreamObserver<ListPanelsResponse> response) {
    Principal caller = Authz.require(Permission.PANELS_READ);
    int size = PageTokens.size(request.getPageSize());
    String after = PageTokens.decode("panels", request.getPageToken()).orElse("");
    var rows = store.list(caller.org(), after, size + 1);
    var page = ListPanelsResponse.newBuilder();
    rows.stream().limit(size).forEach(row -> page.addPanels(row.panel()));
    if (rows.size() > size) {
      page.setNextPageToken(PageTokens.encode("panels", rows.get(size - 1).panel().getName()));
    }
    reply(response, page.build());
  }

  @Override
  public void deletePanel(
      DeletePanelRequest request, StreamObserver<DeletePanelResponse> response) {
    Principal caller = Authz.require(Permission.PANELS_WRITE);
    generations.ensureGeneration(caller.org());
    reply(
        response,
        mutations.run(
            caller,
            PanelServiceGrpc.getDeletePanelMethod().getFullMethodName(),
            request.getRequestId(),
            DeletePanelResponse.parser(),
            now -> {
              var row =
                  store
                      .delete(caller.org(), request.getName())
                      .orElseThrow(() -> NexusException.notFound("panel", request.getName()));
              if (row.running()) {
                generations.advanceGeneration(caller.org());
              }
              return new Change<>(
                  DeletePanelResponse.newBuilder().setPanel(row.panel()).build(),
                  row.panel().getResourceName());
            }));
    pusher.refreshKeys(caller.org());
    changes.changed(caller.org(), request.getName());
  }

  @Override
  public void issuePanelCredential(
      IssuePanelCredentialRequest request, StreamObserver<IssuePanelCredentialResponse> response) {
    Principal caller = Authz.require(Permission.PANELS_WRITE);
    Duration ttl =
        request.hasTtl()
            ? Duration.ofSeconds(request.getTtl().getSeconds())
            : PanelCredentials.DEFAULT_TTL;
    reply(
        response,
        mutations.run(
            caller,
            PanelServiceGrpc.getIssuePanelCredentialMethod().getFullMethodName(),
            "",
            IssuePanelCredentialResponse.parser(),
            now -> {
              String panel = find(caller, request.getName()).panel().getName();
              var issued = credentials.issue(caller.org(), panel, ttl, now);
              return new Change<>(
                  IssuePanelCredentialResponse.newBuilder()
                      .setCredential(issued.credential())
                      .setExpireTime(Timestamps.fromMillis(issued.expireTime().toEpochMilli()))
                      .setPanel(panel)
                      .build(),
                  "panels/" + panel);
            }));
  }

  @Override
  public void renewPanelCredential(
      RenewPanelCredentialRequest request, StreamObserver<RenewPanelCredentialResponse> response) {
    Principal caller = Authz.require(Permission.PANEL_SELF);
    String panel = PanelCredentials.panelOf(caller);
    reply(
        response,
        mutations.run(
            caller,
            PanelServiceGrpc.getRenewPanelCredentialMethod().getFullMethodName(),
            "",
            RenewPanelCredentialResponse.parser(),
            now -> {
              var issued =
                  credentials.issue(caller.org(), panel, PanelCredentials.DEFAULT_TTL, now);
              return new Change<>(
                  RenewPanelCredentialResponse.newBuilder()
                      .setCredential(issued.credential())
                      .setExpireTime(Timestamps.fromMillis(issued.expireTime().toEpochMilli()))
                      .build(),
                  "panels/" + panel);
            }));
  }

  @Override
  public void reportPanelInstance(
      ReportPanelInstanceRequest request, StreamObserver<ReportPanelInstanceResponse> response) {
    Principal caller = Authz.require(Permission.PANEL_SELF);
    String panel = PanelCredentials.panelOf(caller);
    var held = find(caller, panel);
    var answer =
        ReportPanelInstanceResponse.newBuilder()
            .setHeartbeatInterval(Durations.fromMillis(HEARTBEAT_INTERVAL.toMillis()))
            .setOrg(caller.org())
            .setPanel(panel)
            .build();
    if (request.getStopping()) {
      if (held.running()
          && held.panel().getInstance().getInstance().equals(request.getInstance())) {
        change(caller, panel, now -> store.withdraw(caller.org(), panel, request.getInstance()));
      }
      reply(response, answer);
      return;
    }
    InstanceReports.check(request);
    var report =
        new PanelStore.Report(
            request.getInstance(),
            request.getEndpoint(),
            request.getToolsList(),
            request.getManifestState(),
            request.getMessage(),
            invokeKeys.encrypt(caller.org(), panel, request.getInvokeKey().toByteArray()));
    Instant now = clock.instant();
    boolean heartbeat =
        held.running()
            && PanelStore.sameRoute(held.panel().getInstance(), report)
            && store.touch(caller.org(), panel, request.getInstance(), now);
    if (!heartbeat) {
      Instant started =
          held.running() && held.panel().getInstance().getInstance().equals(request.getInstance())
              ? Instant.ofEpochMilli(Timestamps.toMillis(held.panel().getInstance().getStartTime()))
              : now;
      change(
          caller,
          panel,
          at -> {
            store.report(caller.org(), panel, report, started, at);
            return true;
          });
    }
    reply(response, answer);
  }

  /** An audited change of what gateways route by, then pushed to the org's gateways. */
  private void change(
      Principal caller, String panel, java.util.function.Function<Instant, Boolean> change) {
    generations.ensureGeneration(caller.org());
    mutations.run(
        caller,
        PanelServiceGrpc.getReportPanelInstanceMethod().getFullMethodName(),
        "",
        ReportPanelInstanceResponse.parser(),
        now -> {
          if (change.apply(now)) {
            generations.advanceGeneration(caller.org());
          }
          return new Change<>(ReportPanelInstanceResponse.getDefaultInstance(), "panels/" + panel);
        });
    pusher.refreshKeys(caller.org());
  }

  private PanelStore.Row find(Principal caller, String name) {
    return store.find(caller.org(), name).orElseThrow(() -> NexusException.notFound("panel", name));
  }
}
