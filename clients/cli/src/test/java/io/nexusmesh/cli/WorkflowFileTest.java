package io.nexusmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Workflow files: the shipped example parses; malformed files say what is wrong. */
class WorkflowFileTest {
  @Test
  void theExampleOfTheReadmeParses() throws Exception {
    Path example =
        Path.of("").toAbsolutePath().getParent().getParent().resolve("examples/hello.yaml");
    WorkflowFile file = WorkflowFile.read(example);
    assertThat(file.workflow().getId()).isEqualTo("hello");
    assertThat(file.workflow().getDisplayName()).isEqualTo("Hello");
    assertThat(file.spec().getNodes(0).getTransform().getExpression()).contains("Hello, ");
    assertThat(
            file.spec()
                .getInputSchema()
                .getFieldsOrThrow("required")
                .getListValue()
                .getValues(0)
                .getStringValue())
        .isEqualTo("name");
    assertThat(Files.readString(example)).contains("id: hello");
  }

  @Test
  void jsonWorksToo() {
    WorkflowFile file =
        WorkflowFile.parse(
            "{\"id\": \"j\", \"spec\": {\"nodes\": [{\"id\": \"t\", \"transform\": {\"expression\": \"1\"}}]}}",
            "j.json");
    assertThat(file.spec().getNodesCount()).isEqualTo(1);
  }

  @Test
  void aFileWithoutIdOrSpecSaysWhatItLacks() {
    assertThat(catchThrowable(() -> WorkflowFile.parse("spec: {}", "x.yaml")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("x.yaml")
        .hasMessageContaining("'id' and 'spec'");
  }

  @Test
  void aMisspeltFieldIsRefusedNotDropped() {
    assertThat(catchThrowable(() -> WorkflowFile.parse("id: a\nspec:\n  nodez: []\n", "typo.yaml")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nodez");
  }

  @Test
  void brokenYamlIsAClearError() {
    assertThat(catchThrowable(() -> WorkflowFile.parse("id: [unclosed", "broken.yaml")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("broken.yaml is not valid YAML");
  }
}
