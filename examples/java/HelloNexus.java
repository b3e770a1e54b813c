import io.nexusmesh.api.controlplane.v1.Workflow;
import io.nexusmesh.api.gateway.v1.ExecuteResponse;
import io.nexusmesh.client.Json;
import io.nexusmesh.client.NexusClient;

/** Lists the organisation's workflows and runs hello with the Java SDK (see the README). */
public class HelloNexus {
  public static void main(String[] args) {
    try (NexusClient nexus =
        NexusClient.builder()
            .controlPlane(System.getenv().getOrDefault("NEXUS_CONTROL_PLANE_URL", "http://127.0.0.1:8080"))
            .gateway(System.getenv().getOrDefault("NEXUS_GATEWAY_URL", "http://127.0.0.1:9090"))
            .token(System.getenv("NEXUS_TOKEN"))
            .apiKey(System.getenv("NEXUS_API_KEY"))
            .build()) {
      for (Workflow workflow : nexus.workflows().list()) {
        System.out.println("workflow " + workflow.getId() + " v" + workflow.getLatestVersion());
      }
      ExecuteResponse response =
          nexus.executions().execute("hello", Json.struct("{\"name\": \"Java\"}"));
      System.out.println(Json.print(response.getOutput()));
    }
  }
}
