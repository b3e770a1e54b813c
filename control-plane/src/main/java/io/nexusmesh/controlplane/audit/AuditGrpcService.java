package io.nexusmesh.controlplane.audit;

import static io.nexusmesh.controlplane.Unary.reply;
import static java.util.Objects.requireNonNull;

import com.google.protobuf.Timestamp;
import com.linecorp.armeria.server.annotation.Blocking;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.nexusmesh.api.controlplane.v1.AuditServiceGrpc;
import io.nexusmesh.api.controlplane.v1.ListAuditEventsRequest;
import io.nexusmesh.api.controlplane.v1.ListAuditEventsResponse;
import io.nexusmesh.api.controlplane.v1.StreamAuditEventsRequest;
import io.nexusmesh.api.controlplane.v1.StreamAuditEventsResponse;
import io.nexusmesh.controlplane.authz.Authz;
import io.nexusmesh.controlplane.authz.Permission;
import io.nexusmesh.controlplane.store.AuditFeed;
import io.nexusmesh.controlplane.store.AuditStore;
import io.nexusmesh.controlplane.store.PageTokens;
import io.nexusmesh.runtime.auth.Principal;
import java.time.Instant;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * {@code nexus.controlplane.v1.AuditService}: the organisation's audit trail, listed with filters
 * and paging, or followed live as a gRPC server stream.
 */
@Component
@Blocking
public class AuditGrpcService extends AuditServiceGrpc.AuditServiceImplBase {
  private final AuditStore store;
  private final AuditFeed feed;

  public AuditGrpcService(AuditStore store, AuditFeed feed) {
    this.store = requireNonNull(store, "store");
    this.feed = requireNonNull(feed, "feed");
  }

  @Override
  public void listAuditEvents(
      ListAuditEventsRequest request, StreamObserver<ListAuditEventsResponse> response) {
    Principal caller = Authz.require(Permission.AUDIT_READ);
    int size = PageTokens.size(request.getPageSize());
    long before = PageTokens.decodePosition("auditEvents", request.getPageToken(), Long.MAX_VALUE);
    var filter =
        new AuditStore.Filter(
            request.getActor(),
            request.getAction(),
            request.getResource(),
            request.hasStartTime() ? instant(request.getStartTime()) : null,
            request.hasEndTime() ? instant(request.getEndTime()) : null);
    List<AuditStore.Row> rows = store.list(caller.org(), filter, before, size + 1);
    var page = ListAuditEventsResponse.newBuilder();
    rows.stream().limit(size).forEach(row -> page.addAuditEvents(row.event()));
    if (rows.size() > size) {
      page.setNextPageToken(
          PageTokens.encode("auditEvents", Long.toString(rows.get(size - 1).seq())));
    }
    reply(response, page.build());
  }

  @Override
  public void streamAuditEvents(
      StreamAuditEventsRequest request, StreamObserver<StreamAuditEventsResponse> response) {
    Principal caller = Authz.require(Permission.AUDIT_READ);
    var stream = (ServerCallStreamObserver<StreamAuditEventsResponse>) response;
    AutoCloseable subscription =
        feed.subscribe(
            event -> {
              boolean wanted =
                  event.getOrg().equals(caller.org())
                      && (request.getAction().isEmpty()
                          || request.getAction().equals(event.getAction()))
                      && (request.getResource().isEmpty()
                          || request.getResource().equals(event.getResource()));
              if (wanted && !stream.isCancelled()) {
                synchronized (stream) {
                  stream.onNext(
                      StreamAuditEventsResponse.newBuilder().setAuditEvent(event).build());
                }
              }
            });
    stream.setOnCancelHandler(() -> close(subscription));
  }

  private static void close(AutoCloseable subscription) {
    try {
      subscription.close();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static Instant instant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }
}
