package io.nexusmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nexusmesh.api.controlplane.v1.Workflow;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The three output formats of {@code -o}. */
class OutputTest {
  private final List<Workflow> workflows =
      List.of(
          Workflow.newBuilder().setId("hello").setLatestVersion(2).setDescription("Greets").build(),
          Workflow.newBuilder().setId("approval-flow").setLatestVersion(11).build());

  private String print(Output.Format format) {
    var bytes = new ByteArrayOutputStream();
    new Output(format, new PrintStream(bytes, true, StandardCharsets.UTF_8))
        .list(workflows, WorkflowsCommand.columns());
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void tableAlignsColumnsUnderTheirHeaders() {
    List<String> lines = print(Output.Format.table).lines().toList();
    assertThat(lines.get(0)).startsWith("ID              LATEST   UPDATED");
    assertThat(lines.get(1)).startsWith("hello           2        -");
    assertThat(lines.get(1)).endsWith("Greets");
    assertThat(lines.get(2)).startsWith("approval-flow   11       -").doesNotEndWith(" ");
  }

  @Test
  void jsonIsAnArrayOfResourcesInProtobufsJsonMapping() {
    assertThat(print(Output.Format.json))
        .startsWith("[")
        .contains("\"id\" : \"hello\"", "\"latestVersion\" : \"2\"");
  }

  @Test
  void yamlIsAListOfResources() {
    assertThat(print(Output.Format.yaml))
        .contains("- id: hello", "  latestVersion: 2", "- id: approval-flow");
  }
}
