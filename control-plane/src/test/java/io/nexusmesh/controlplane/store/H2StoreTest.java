package io.nexusmesh.controlplane.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;

/** The store suite on an H2 file database (the embedded default), plus survival of restarts. */
class H2StoreTest extends StoreContract {
  @TempDir Path dir;

  private DataSource h2() {
    var dataSource = new JdbcDataSource();
    dataSource.setURL(
        "jdbc:h2:file:"
            + dir.resolve("nexus")
            + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH");
    return dataSource;
  }

  @Override
  DataSource dataSource() {
    DataSource dataSource = h2();
    migrate(dataSource);
    return dataSource;
  }

  @Test
  void dataSurvivesAReopen() {
    DataSource first = dataSource();
    JdbcClient.create(first)
        .sql(
            "INSERT INTO audit_events (id, event_time, org, actor, action, resource, request_id, outcome)"
                + " VALUES ('e1', CURRENT_TIMESTAMP, 'o', 'a', 'x', 'r', 'q', 'AUDIT_OUTCOME_SUCCEEDED')")
        .update();
    JdbcClient.create(first).sql("SHUTDOWN").update();
    DataSource reopened = dataSource();
    assertThat(
            JdbcClient.create(reopened)
                .sql("SELECT count(*) FROM audit_events WHERE id = 'e1'")
                .query(Long.class)
                .single())
        .isEqualTo(1L);
  }
}
