package io.nexusmesh.runtime.openapi;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An OpenAPI 3.1 document of the REST form of a component's services, built from their descriptors:
 * one operation per {@code google.api.http} rule (path variables as path parameters, the body the
 * rule names, the other fields of a body-less rule as query parameters, the response body the rule
 * names), request and response schemas from {@link OpenApiSchemas}, bearer authentication on every
 * operation, and the JSON error every failure returns.
 *
 * <p>Generated here rather than by a protoc plugin: the maintained generators (gnostic's
 * protoc-gen-openapi, grpc-gateway's protoc-gen-openapiv2) are Go binaries that cannot be fetched
 * on our build machines, and the latter writes OpenAPI 2.0. Built from the running server's own
 * descriptors, the document cannot drift from the contracts it serves.
 */
public final class OpenApiDocument {
  /** Where the document is served. */
  public static final String PATH = "/openapi.json";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern VARIABLE = Pattern.compile("\\{([a-zA-Z0-9_.]+)(=[^}]*)?}");

  private OpenApiDocument() {}

  /** The document of {@code services}, titled {@code title}. */
  public static ObjectNode of(String title, String version, List<ServiceDescriptor> services) {
    ObjectNode doc = JSON.createObjectNode().put("openapi", "3.1.0");
    doc.putObject("info").put("title", title).put("version", version);
    ObjectNode paths = doc.putObject("paths");
    OpenApiSchemas schemas = new OpenApiSchemas();
    for (ServiceDescriptor service : services) {
      for (MethodDescriptor method : service.getMethods()) {
        if (method.getOptions().hasExtension(AnnotationsProto.http)) {
          add(
              paths,
              schemas,
              service,
              method,
              method.getOptions().getExtension(AnnotationsProto.http));
        }
      }
    }
    ObjectNode components = doc.putObject("components");
    ObjectNode componentSchemas = schemas.components();
    componentSchemas.set("google.rpc.Status", errorSchema());
    components.set("schemas", componentSchemas);
    components
        .putObject("securitySchemes")
        .putObject("bearer")
        .put("type", "http")
        .put("scheme", "bearer")
        .put(
            "description",
            "An OIDC access token (control plane), or an API key nxk_... or a gateway-audience"
                + " token (gateway).");
    doc.putArray("security").addObject().putArray("bearer");
    return doc;
  }

  private static void add(
      ObjectNode paths,
      OpenApiSchemas schemas,
      ServiceDescriptor service,
      MethodDescriptor method,
      HttpRule rule) {
    String verb;
    String template;
    switch (rule.getPatternCase()) {
      case GET -> {
        verb = "get";
        template = rule.getGet();
      }
      case POST -> {
        verb = "post";
        template = rule.getPost();
      }
      case PUT -> {
        verb = "put";
        template = rule.getPut();
      }
      case DELETE -> {
        verb = "delete";
        template = rule.getDelete();
      }
      case PATCH -> {
        verb = "patch";
        template = rule.getPatch();
      }
      default -> {
        return;
      }
    }
    Set<String> pathFields = new LinkedHashSet<>();
    Matcher m = VARIABLE.matcher(template);
    StringBuilder path = new StringBuilder();
    while (m.find()) {
      pathFields.add(m.group(1));
      m.appendReplacement(path, Matcher.quoteReplacement("{" + m.group(1) + "}"));
    }
    m.appendTail(path);

    ObjectNode operation =
        (paths.has(path.toString())
                ? (ObjectNode) paths.get(path.toString())
                : paths.putObject(path.toString()))
            .putObject(verb);
    operation.put("operationId", service.getName() + "_" + method.getName());
    operation.putArray("tags").add(service.getName());
    operation.put("summary", words(method.getName()) + " (" + service.getFullName() + ")");
    if (method.isServerStreaming()) {
      operation.put(
          "description", "A stream of messages; over HTTP, see the component's SSE endpoints.");
    }
    ArrayNode parameters = operation.putArray("parameters");
    Descriptor input = method.getInputType();
    for (String fieldPath : pathFields) {
      FieldDescriptor field = find(input, fieldPath);
      ObjectNode p =
          parameters.addObject().put("name", fieldPath).put("in", "path").put("required", true);
      p.set(
          "schema",
          field == null ? JSON.createObjectNode().put("type", "string") : schemas.field(field));
    }
    String body = rule.getBody();
    if (body.isEmpty()) {
      for (FieldDescriptor field : input.getFields()) {
        if (!pathFields.contains(field.getName()) && queryable(field)) {
          ObjectNode p = parameters.addObject().put("name", field.getJsonName()).put("in", "query");
          p.set("schema", schemas.field(field));
        }
      }
    } else {
      ObjectNode schema =
          body.equals("*") ? schemas.ref(input) : schemas.field(input.findFieldByName(body));
      operation
          .putObject("requestBody")
          .put("required", true)
          .putObject("content")
          .putObject("application/json")
          .set("schema", schema);
    }
    if (parameters.isEmpty()) {
      operation.remove("parameters");
    }
    Descriptor output = method.getOutputType();
    ObjectNode responseSchema =
        rule.getResponseBody().isEmpty()
            ? schemas.ref(output)
            : schemas.field(output.findFieldByName(rule.getResponseBody()));
    ObjectNode responses = operation.putObject("responses");
    responses
        .putObject("200")
        .put("description", "OK")
        .putObject("content")
        .putObject("application/json")
        .set("schema", responseSchema);
    responses
        .putObject("default")
        .put(
            "description",
            "An error: the HTTP status of its gRPC code, with an ErrorInfo and, for bad input,"
                + " BadRequest field violations")
        .putObject("content")
        .putObject("application/json")
        .putObject("schema")
        .put("$ref", "#/components/schemas/google.rpc.Status");
  }

  /** Scalars, enums, repeated scalars and Timestamps travel as query parameters. */
  private static boolean queryable(FieldDescriptor field) {
    if (field.isMapField()) {
      return false;
    }
    if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
      return !field.isRepeated()
          && List.of(
                  "google.protobuf.Timestamp",
                  "google.protobuf.Duration",
                  "google.protobuf.FieldMask")
              .contains(field.getMessageType().getFullName());
    }
    return true;
  }

  private static FieldDescriptor find(Descriptor message, String dottedPath) {
    Descriptor current = message;
    FieldDescriptor field = null;
    for (String part : dottedPath.split("\\.")) {
      if (current == null) {
        return null;
      }
      field = current.findFieldByName(part);
      if (field == null) {
        return null;
      }
      current =
          field.getJavaType() == FieldDescriptor.JavaType.MESSAGE ? field.getMessageType() : null;
    }
    return field;
  }

  private static String words(String camel) {
    List<String> words = new ArrayList<>();
    for (String w : camel.split("(?=[A-Z])")) {
      words.add(words.isEmpty() ? w : w.toLowerCase(Locale.ROOT));
    }
    return String.join(" ", words);
  }

  /** The JSON error body of every failed REST call (Armeria's rendering of google.rpc.Status). */
  private static ObjectNode errorSchema() {
    ObjectNode schema = JSON.createObjectNode().put("type", "object");
    ObjectNode properties = schema.putObject("properties");
    properties.putObject("code").put("type", "integer").put("description", "the gRPC status code");
    properties
        .putObject("grpc-code")
        .put("type", "string")
        .put("description", "its name, e.g. INVALID_ARGUMENT");
    properties.putObject("message").put("type", "string");
    ObjectNode details = properties.putObject("details").put("type", "array");
    ObjectNode detail = details.putObject("items").put("type", "object");
    detail.putObject("properties").putObject("@type").put("type", "string");
    schema.putArray("required").add("code").add("message");
    return schema;
  }
}
