package io.nexusmesh.gateway.payload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file payload store on a real directory: writes, reads, refused keys and the sweep. */
class FilePayloadStoreTest {
  @TempDir Path root;

  @Test
  void storesReadsAndRefusesKeysOutsideItsDirectory() {
    var store = new FilePayloadStore(root);
    store.put("e1/out/step", new byte[] {1, 2, 3});
    assertThat(store.get("e1/out/step")).containsExactly(1, 2, 3);
    assertThatThrownBy(() -> store.get("e1/out/none")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> store.put("../escape", new byte[] {1}))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theSweepDeletesOnlyOldPayloadsOfExecutionsThatAreGone() throws Exception {
    var store = new FilePayloadStore(root);
    for (String id : new String[] {"alive", "gone", "fresh"}) {
      store.put(id + "/execution", new byte[] {9});
    }
    FileTime old = FileTime.from(Instant.now().minus(Duration.ofHours(2)));
    Files.setLastModifiedTime(root.resolve("alive"), old);
    Files.setLastModifiedTime(root.resolve("gone"), old);

    int deleted = store.sweep(id -> id.equals("alive"), Duration.ofHours(1));

    assertThat(deleted).isEqualTo(1);
    assertThat(root.resolve("gone")).doesNotExist();
    assertThat(store.get("alive/execution")).containsExactly(9);
    assertThat(store.get("fresh/execution")).containsExactly(9);
  }
}
