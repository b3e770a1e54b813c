package io.nexusmesh.controlplane.workflow;

import static io.nexusmesh.controlplane.Unary.reply;
import static java.util.Objects.requireNonNull;

import com.google.protobuf.CodedOutputStream;
import com.linecorp.armeria.server.annotation.Blocking;
import io.grpc.stub.StreamObserver;
import io.nexusmesh.api.controlplane.v1.CreateWorkflowRequest;
import io.nexusmesh.api.controlplane.v1.CreateWorkflowResponse;
import io.nexusmesh.api.controlplane.v1.CreateWorkflowVersionRequest;
import io.nexusmesh.api.controlplane.v1.CreateWorkflowVersionResponse;
import io.nexusmesh.api.controlplane.v1.DeleteWorkflowRequest;
import io.nexusmesh.api.controlplane.v1.DeleteWorkflowResponse;
import io.nexusmesh.api.controlplane.v1.GetWorkflowRequest;
import io.nexusmesh.api.controlplane.v1.GetWorkflowResponse;
import io.nexusmesh.api.controlplane.v1.GetWorkflowVersionRequest;
import io.nexusmesh.api.controlplane.v1.GetWorkflowVersionResponse;
import io.nexusmesh.api.controlplane.v1.ListWorkflowVersionsRequest;
import io.nexusmesh.api.controlplane.v1.ListWorkflowVersionsResponse;
import io.nexusmesh.api.controlplane.v1.ListWorkflowsRequest;
import io.nexusmesh.api.controlplane.v1.ListWorkflowsResponse;
import io.nexusmesh.api.controlplane.v1.UpdateWorkflowRequest;
import io.nexusmesh.api.controlplane.v1.UpdateWorkflowResponse;
import io.nexusmesh.api.controlplane.v1.Workflow;
import io.nexusmesh.api.controlplane.v1.WorkflowServiceGrpc;
import io.nexusmesh.api.workflow.v1.WorkflowSpec;
import io.nexusmesh.controlplane.authz.Authz;
import io.nexusmesh.controlplane.authz.Permission;
import io.nexusmesh.controlplane.store.Etags;
import io.nexusmesh.controlplane.store.Mutations;
import io.nexusmesh.controlplane.store.Mutations.Change;
import io.nexusmesh.controlplane.store.PageTokens;
import io.nexusmesh.controlplane.store.WorkflowStore;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.error.FieldViolation;
import io.nexusmesh.runtime.error.NexusException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.stereotype.Component;

/** {@code nexus.controlplane.v1.WorkflowService}: workflows and their immutable versions. */
@Component
@Blocking
public class WorkflowGrpcService extends WorkflowServiceGrpc.WorkflowServiceImplBase {
  private static final List<String> UPDATABLE = List.of("display_name", "description", "labels");

  private final WorkflowStore store;
  private final Mutations mutations;
  private final SpecValidator specValidator = new SpecValidator();

  public WorkflowGrpcService(WorkflowStore store, Mutations mutations) {
    this.store = requireNonNull(store, "store");
    this.mutations = requireNonNull(mutations, "mutations");
  }

  @Override
  public void createWorkflow(
      CreateWorkflowRequest request, StreamObserver<CreateWorkflowResponse> response) {
    Principal caller = Authz.require(Permission.WORKFLOWS_WRITE);
    Workflow workflow = request.getWorkflow();
    reply(
        response,
        mutations.run(
            caller,
            WorkflowServiceGrpc.getCreateWorkflowMethod().getFullMethodName(),
            request.getRequestId(),
            CreateWorkflowResponse.parser(),
            now ->
                new Change<>(
                    CreateWorkflowResponse.newBuilder()
                        .setWorkflow(store.insert(caller.org(), workflow, now))
                        .build(),
                    "workflows/" + workflow.getId())));
  }

  @Override
  public void getWorkflow(
      GetWorkflowRequest request, StreamObserver<GetWorkflowResponse> response) {
    Principal caller = Authz.require(Permission.WORKFLOWS_READ);
    reply(
        response,
        GetWorkflowResponse.newBuilder()
            .setWorkflow(store.get(caller.org(), request.getId()))
            .build());
  }

  @Override
  public void listWorkflows(
      ListWorkflowsRequest request, StreamObserver<ListWorkflowsResponse> response) {
    Principal caller = Authz.require(Permission.WORKFLOWS_READ);
    Map<String, String> selector = labelSelector(request.getLabelSelector());
    int size = PageTokens.size(request.getPageSize());
    String after = PageTokens.decode("workflows", request.getPageToken()).orElse("");
    var page = ListWorkflowsResponse.newBuilder();
    // Label filtering happens here, so scan in batches until the page is full and one more row
    // shows there is a next page, or the rows run out.
    scan:
    while (true) {
      List<Workflow> batch = store.list(caller.org(), after, size + 1);
      for (Workflow workflow : batch) {
        if (page.getWorkflowsCount() == size) {
          page.setNextPageToken(PageTokens.encode("workflows", after));
          break scan;
        }
        after = workflow.getId();
        if (matches(workflow, selector)) {
          page.addWorkflows(workflow);
        }
      }
      if (batch.size() <= size) {
        break;
      }
    }
    reply(response, page.build());
  }

  @Override
  public void updateWorkflow(
      UpdateWorkflowRequest request, StreamObserver<UpdateWorkflowResponse> response) {
    Principal caller = Authz.require(Permission.WORKFLOWS_WRITE);
    Workflow patch = request.getWorkflow();
    List<String> paths =
        request.hasUpdateMask() ? request.getUpdateMask().getPathsList() : UPDATABLE;
    for (int i = 0; i < paths.size(); i++) {
      if (!UPDATABLE.contains(paths.get(i))) {
        throw NexusException.invalidArgument(
            "update_mask.paths[" + i + "]",
            "'" + paths.get(i) + "' cannot be updated (only " + UPDATABLE + ")");
      }
    }
    var expected = Etags.revisionOf("workflow.etag", patch.getEtag());
    reply(
        response,
        mutations.run(
            caller,
            WorkflowServiceGrpc.getUpdateWorkflowMethod().getFullMethodName(),
            request.getRequestId(),
            UpdateWorkflowResponse.parser(),
            now -> {
              Workflow current = store.get(caller.org(), patch.getId());
              Workflow updated =
                  store.update(
                      caller.org(),
                      patch.getId(),
                      expected,
                      paths.contains("display_name")
                          ? patch.getDisplayName()
                          : current.getDisplayName(),
                      paths.contains("description")
                          ? patch.getDescription()
                          : current.getDescription(),
                      paths.contains("labels") ? patch.getLabelsMap() : current.getLabelsMap(),
                      now);
              return new Change<>(
                  UpdateWorkflowResponse.newBuilder().setWorkflow(updated).build(),
                  updated.getName());
            }));
  }

  @Override
  public void deleteWorkflow(
      DeleteWorkflowRequest request, StreamObserver<DeleteWorkflowResponse> response) {
    Principal caller = Authz.require(Permission.WORKFLOWS_WRITE);
    var expected = Etags.revisionOf("etag", request.getEtag());
    reply(
        response,
        mutations.run(
            caller,
            WorkflowServiceGrpc.getDeleteWorkflowMethod().getFullMethodName(),
            request.getRequestId(),
            DeleteWorkflowResponse.parser(),
            now -> {
              store.delete(caller.org(), request.getId(), expected);
              return new Change<>(
                  DeleteWorkflowResponse.getDefaultInstance(), "workflows/" + request.getId());
            }));
  }

  @Override
  public void createWorkflowVersion(
      CreateWorkflowVersionRequest request,
      StreamObserver<CreateWorkflowVersionResponse> response) {
    Principal caller = Authz.require(Permission.WORKFLOWS_WRITE);
    List<FieldViolation> problems = specValidator.violations("spec", request.getSpec());
    if (!problems.isEmpty()) {
      throw NexusException.invalidArgument(problems);
    }
    String digest = digest(request.getSpec());
    reply(
        response,
        mutations.run(
            caller,
            WorkflowServiceGrpc.getCreateWorkflowVersionMethod().getFullMethodName(),
            request.getRequestId(),
            CreateWorkflowVersionResponse.parser(),
            now -> {
              var version =
                  store.insertVersion(
                      caller.org(),
                      request.getWorkflowId(),
                      request.getSpec(),
                      digest,
                      request.getDescription(),
                      caller.subject(),
                      now);
              return new Change<>(
                  CreateWorkflowVersionResponse.newBuilder().setVersion(version).build(),
                  version.getName());
            }));
  }

  @Override
  public void getWorkflowVersion(
      GetWorkflowVersionRequest request, StreamObserver<GetWorkflowVersionResponse> response) {
    Principal caller = Authz.require(Permission.WORKFLOWS_READ);
    store.get(caller.org(), request.getWorkflowId());
    reply(
        response,
        GetWorkflowVersionResponse.newBuilder()
            .setVersion(
                store.getVersion(caller.org(), request.getWorkflowId(), request.getVersion()))
            .build());
  }

  @Override
  public void listWorkflowVersions(
      ListWorkflowVersionsRequest request, StreamObserver<ListWorkflowVersionsResponse> response) {
    Principal caller = Authz.require(Permission.WORKFLOWS_READ);
    store.get(caller.org(), request.getWorkflowId());
    int size = PageTokens.size(request.getPageSize());
    String collection = "versions/" + request.getWorkflowId();
    long before = PageTokens.decodePosition(collection, request.getPageToken(), Long.MAX_VALUE);
    var versions = store.listVersions(caller.org(), request.getWorkflowId(), before, size + 1);
    var page = ListWorkflowVersionsResponse.newBuilder();
    versions.stream().limit(size).forEach(page::addVersions);
    if (versions.size() > size) {
      page.setNextPageToken(
          PageTokens.encode(collection, Long.toString(versions.get(size - 1).getVersion())));
    }
    reply(response, page.build());
  }

  /** SHA-256 of the spec's deterministic serialisation, hex. */
  static String digest(WorkflowSpec spec) {
    try {
      var bytes = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      out.useDeterministicSerialization();
      spec.writeTo(out);
      out.flush();
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray()));
    } catch (IOException | NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Map<String, String> labelSelector(String selector) {
    Map<String, String> pairs = new TreeMap<>();
    if (selector.isBlank()) {
      return pairs;
    }
    for (String term : selector.split(",")) {
      String[] kv = term.split("=", 2);
      if (kv.length != 2 || kv[0].isBlank()) {
        throw NexusException.invalidArgument("label_selector", "'" + term + "' is not key=value");
      }
      pairs.put(kv[0].trim(), kv[1].trim());
    }
    return pairs;
  }

  private static boolean matches(Workflow workflow, Map<String, String> selector) {
    var labels = new HashMap<>(workflow.getLabelsMap());
    return selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
  }
}
