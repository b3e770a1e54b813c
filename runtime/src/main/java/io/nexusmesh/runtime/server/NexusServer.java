package io.nexusmesh.runtime.server;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Descriptors;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.grpc.GrpcJsonMarshaller;
import com.linecorp.armeria.common.grpc.GrpcSerializationFormats;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.annotation.Blocking;
import com.linecorp.armeria.server.cors.CorsService;
import com.linecorp.armeria.server.cors.CorsServiceBuilder;
import com.linecorp.armeria.server.docs.DocService;
import com.linecorp.armeria.server.grpc.GrpcHealthCheckService;
import com.linecorp.armeria.server.grpc.GrpcService;
import com.linecorp.armeria.server.grpc.UnframedGrpcErrorHandler;
import com.linecorp.armeria.server.logging.AccessLogWriter;
import com.linecorp.armeria.server.prometheus.PrometheusExpositionService;
import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.ProtoServiceDescriptorSupplier;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.nexusmesh.runtime.auth.AuthInterceptor;
import io.nexusmesh.runtime.auth.Authenticator;
import io.nexusmesh.runtime.error.NexusExceptionHandler;
import io.nexusmesh.runtime.openapi.OpenApiDocument;
import io.nexusmesh.runtime.telemetry.RequestMetrics;
import io.nexusmesh.runtime.telemetry.Telemetry;
import io.nexusmesh.runtime.telemetry.Tracing;
import io.nexusmesh.runtime.validation.RequestValidator;
import io.nexusmesh.runtime.validation.ValidationInterceptor;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * The one recipe for the Armeria server of every Nexus Mesh component. On one port it serves the
 * component's gRPC services as gRPC, gRPC-Web (every format), unframed gRPC and REST (HTTP/JSON
 * transcoding of the {@code google.api.http} rules), with CORS for browsers; gRPC reflection v1 and
 * v1alpha; {@code grpc.health.v1} and {@code /health} without credentials; DocService at {@code
 * /docs}; Prometheus metrics at {@code /metrics}; tracing with W3C context propagation; structured
 * access logs; and graceful shutdown.
 *
 * <p>Every call but health and reflection is authenticated first, then validated with
 * protovalidate, and every error goes through {@link NexusExceptionHandler}. Handlers run where
 * their service says: a service (or method) annotated with Armeria's {@link Blocking} runs on the
 * blocking task executor and may block (JDBC, Redis, waiting); anything else runs on the event loop
 * and must not (the gateway's Execute, so that a run that only computes costs no hand-off between
 * threads). Every service must say which: one with no {@link Blocking} anywhere must be annotated
 * {@link NonBlocking}, else the server refuses to start.
 *
 * <p>Spring-managed components call {@link #configure} from their own configuration; tests and
 * plain {@code main}s use {@link #builder}.
 */
public final class NexusServer {
  private NexusServer() {}

  /** The paths served without credentials and without the component's services. */
  public static final String METRICS_PATH = "/metrics";

  /**
   * The HTTP health check path: 200 while the process serves, each dependency's state in the body
   * (the gRPC one is {@code grpc.health.v1.Health/Check}).
   */
  public static final String HEALTH_PATH = "/health";

  /** The readiness path: 503 while a dependency is down. */
  public static final String READY_PATH = "/health/ready";

  /** {@code /openapi.json}: the REST form of {@code services}, generated from their descriptors. */
  private static HttpService openApi(
      NexusServerOptions options, List<? extends BindableService> services) {
    List<Descriptors.ServiceDescriptor> descriptors = new ArrayList<>();
    for (BindableService service : services) {
      if (service.bindService().getServiceDescriptor().getSchemaDescriptor()
          instanceof ProtoServiceDescriptorSupplier supplier) {
        descriptors.add(supplier.getServiceDescriptor());
      }
    }
    String version = NexusServer.class.getPackage().getImplementationVersion();
    byte[] document =
        OpenApiDocument.of(options.component(), version == null ? "dev" : version, descriptors)
            .toPrettyString()
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return (ctx, req) ->
        HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, HttpData.wrap(document));
  }

  /** The DocService path. */
  public static final String DOCS_PATH = "/docs";

  /** Adds a component's services, and everything every component serves, to {@code sb}. */
  public static void configure(
      ServerBuilder sb,
      NexusServerOptions options,
      List<? extends BindableService> services,
      Authenticator authenticator,
      Telemetry telemetry) {
    requireNonNull(sb, "sb");
    requireNonNull(options, "options");
    requireNonNull(services, "services");
    requireNonNull(authenticator, "authenticator");
    requireNonNull(telemetry, "telemetry");
    services.forEach(NexusServer::requireThreadingDeclared);

    AtomicReference<GrpcService> built = new AtomicReference<>();
    var grpc =
        GrpcService.builder()
            .addServices(List.copyOf(services))
            .addService(ProtoReflectionServiceV1.newInstance())
            .addService(ReflectionV1AlphaBridge.create(() -> servicesOf(built.get())))
            .addService(grpcHealth(options.dependencies()))
            // The last interceptor runs first: authenticate, then validate.
            .intercept(
                new ValidationInterceptor(new RequestValidator()),
                new AuthInterceptor(authenticator))
            .enableUnframedRequests(true)
            .enableHttpJsonTranscoding(true)
            .supportedSerializationFormats(GrpcSerializationFormats.values())
            // A misspelt field is a caller's mistake to report, not to drop silently.
            .jsonMarshallerFactory(
                service ->
                    new DescriptiveJsonMarshaller(
                        GrpcJsonMarshaller.builder()
                            .jsonMarshallerCustomizer(
                                json ->
                                    // The error details executions carry (Any) print by type.
                                    json.ignoringUnknownFields(false)
                                        .register(com.google.rpc.ErrorInfo.class)
                                        .register(com.google.rpc.BadRequest.class)
                                        .register(com.google.rpc.ResourceInfo.class)
                                        .register(com.google.rpc.RetryInfo.class))
                            .build(service)))
            .exceptionHandler(new NexusExceptionHandler())
            .unframedGrpcErrorHandler(UnframedGrpcErrorHandler.ofJson())
            .httpJsonTranscodingErrorHandler(UnframedGrpcErrorHandler.ofJson())
            .maxRequestMessageLength(options.maxRequestBytes())
            // Per service and method, from their @Blocking annotations (see the class comment).
            .useBlockingTaskExecutor(false)
            .build();
    built.set(grpc);

    var registry = telemetry.meterRegistry();
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    options.dependencies().bindTo(registry);

    sb.http(options.port())
        .meterRegistry(registry)
        .maxRequestLength(options.maxRequestBytes())
        .requestTimeout(options.requestTimeout())
        .gracefulShutdownTimeout(options.gracefulQuietPeriod(), options.gracefulTimeout())
        .service(grpc)
        .serverListener(
            new com.linecorp.armeria.server.ServerListenerAdapter() {
              @Override
              public void serverStarting(com.linecorp.armeria.server.Server server) {
                options.dependencies().start();
              }

              @Override
              public void serverStopped(com.linecorp.armeria.server.Server server) {
                options.dependencies().stop();
              }
            })
        .service(HEALTH_PATH, options.dependencies().liveness())
        .service(READY_PATH, options.dependencies().readiness())
        .service(METRICS_PATH, PrometheusExpositionService.of(registry.getPrometheusRegistry()))
        .serviceUnder(DOCS_PATH, DocExamples.addTo(DocService.builder(), services).build())
        .service(OpenApiDocument.PATH, openApi(options, services))
        .accessLogWriter(AccessLogWriter.combined(), true)
        .errorHandler(new JsonErrorRenderer())
        .decorator(RequestMetrics.decorator(registry, serviceNames(grpc)))
        .decorator(Tracing.serverDecorator(telemetry.openTelemetry()))
        .decorator(cors(options).newDecorator());
  }

  /**
   * Refuses a service that does not say whether it blocks: running blocking code (JDBC, Redis) on
   * an event loop stalls every connection of that loop, and forgetting {@link Blocking} would do
   * exactly that silently.
   */
  static void requireThreadingDeclared(BindableService service) {
    for (Class<?> type = service.getClass(); type != null; type = type.getSuperclass()) {
      if (type.isAnnotationPresent(Blocking.class) || type.isAnnotationPresent(NonBlocking.class)) {
        return;
      }
      for (var method : type.getDeclaredMethods()) {
        if (method.isAnnotationPresent(Blocking.class)) {
          return;
        }
      }
    }
    throw new IllegalArgumentException(
        service.getClass().getName()
            + " must say how it runs: @Blocking on the class or on its blocking methods, or"
            + " @NonBlocking if no method blocks");
  }

  /** Starts building a stand-alone server for {@code options}. */
  public static Builder builder(NexusServerOptions options) {
    return new Builder(options);
  }

  private static Set<String> serviceNames(GrpcService grpc) {
    return grpc.services().stream()
        .map(service -> service.getServiceDescriptor().getName())
        .collect(Collectors.toSet());
  }

  private static List<ServerServiceDefinition> servicesOf(GrpcService grpc) {
    return grpc == null ? List.of() : grpc.services();
  }

  private static CorsServiceBuilder cors(NexusServerOptions options) {
    CorsServiceBuilder cors =
        options.corsOrigins().isEmpty()
            ? CorsService.builderForAnyOrigin()
            : CorsService.builder(options.corsOrigins());
    return cors.allowRequestMethods(
            HttpMethod.GET,
            HttpMethod.POST,
            HttpMethod.PUT,
            HttpMethod.PATCH,
            HttpMethod.DELETE,
            HttpMethod.OPTIONS)
        .allowRequestHeaders(
            HttpHeaderNames.AUTHORIZATION,
            HttpHeaderNames.CONTENT_TYPE,
            HttpHeaderNames.of("x-grpc-web"),
            HttpHeaderNames.of("x-user-agent"),
            HttpHeaderNames.of("grpc-timeout"),
            HttpHeaderNames.of("traceparent"),
            HttpHeaderNames.of("tracestate"),
            HttpHeaderNames.of("nexus-session-id"))
        .exposeHeaders(
            HttpHeaderNames.of("grpc-status"),
            HttpHeaderNames.of("grpc-message"),
            HttpHeaderNames.of("grpc-status-details-bin"),
            HttpHeaderNames.RETRY_AFTER)
        .maxAge(3600);
  }

  /** Builds a stand-alone Armeria {@link Server} with the Nexus Mesh recipe. */
  public static final class Builder {
    private final NexusServerOptions options;
    private final List<BindableService> services = new ArrayList<>();
    private Authenticator authenticator;
    private Telemetry telemetry;

    private Builder(NexusServerOptions options) {
      this.options = requireNonNull(options, "options");
    }

    /** Adds a gRPC service. */
    public Builder addService(BindableService service) {
      services.add(requireNonNull(service, "service"));
      return this;
    }

    /** How callers are authenticated. Required. */
    public Builder authenticator(Authenticator authenticator) {
      this.authenticator = requireNonNull(authenticator, "authenticator");
      return this;
    }

    /** Tracing and metrics; from the environment when not set. */
    public Builder telemetry(Telemetry telemetry) {
      this.telemetry = requireNonNull(telemetry, "telemetry");
      return this;
    }

    /** A server ready to {@code start()}. */
    public Server build() {
      if (authenticator == null) {
        throw new IllegalStateException("authenticator not set: every Nexus Mesh server needs one");
      }
      Telemetry t = telemetry != null ? telemetry : Telemetry.fromEnvironment(options.component());
      ServerBuilder sb = Server.builder();
      configure(sb, options, services, authenticator, t);
      return sb.build();
    }
  }

  /**
   * {@code grpc.health.v1}: the server ("") is serving while every required dependency is up; each
   * dependency is a service of its own name ({@code redis}, {@code database}...).
   */
  private static GrpcHealthCheckService grpcHealth(DependencyHealth dependencies) {
    var health = GrpcHealthCheckService.builder().checkers(dependencies.requiredCheckers());
    dependencies.checkers().forEach(health::serviceCheckers);
    return health.build();
  }
}
