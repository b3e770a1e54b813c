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

  @Test
  void aWorkflowOutputKeepsItsIntegersInEveryFormat() {
    var output =
        io.nexusmesh.client.Json.struct(
            "{\"one\": 1, \"max\": 9007199254740992, \"min\": -9007199254740992, \"half\": 1.5}");
    for (Output.Format format : Output.Format.values()) {
      var bytes = new ByteArrayOutputStream();
      new Output(format, new PrintStream(bytes, true, StandardCharsets.UTF_8)).value(output);
      String printed = bytes.toString(StandardCharsets.UTF_8).replaceAll("[\\s\"]", "");
      assertThat(printed)
          .as(format.name())
          .containsAnyOf("one:1,", "one:1\n", "one:1")
          .contains("9007199254740992", "-9007199254740992", "1.5")
          .doesNotContain("1.0", "E15");
    }
  }

  @Test
  void anInputIntegerBeyond2To53IsRefusedNotRounded() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> io.nexusmesh.client.Json.struct("{\"id\": 12345678901234567}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("input.id")
        .hasMessageContaining("2^53");
  }
}
