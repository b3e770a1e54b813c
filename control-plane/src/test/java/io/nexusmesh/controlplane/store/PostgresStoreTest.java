package io.nexusmesh.controlplane.store;

import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The store suite on PostgreSQL, chosen by {@code NEXUS_TEST_POSTGRES_URL} (a JDBC URL with user
 * and password, e.g. {@code jdbc:postgresql://127.0.0.1:5432/nexus?user=nexus&password=nexus}).
 * Each run migrates a fresh schema. Without the variable the suite is skipped, saying so, except
 * under CI ({@code CI=true}) where it fails: {@code .ci/run} starts a PostgreSQL for it.
 */
class PostgresStoreTest extends StoreContract {
  private static final String URL = System.getenv("NEXUS_TEST_POSTGRES_URL");
  private static final String SCHEMA =
      "nexus_test_" + UUID.randomUUID().toString().replace("-", "");

  @Override
  DataSource dataSource() {
    if (URL == null || URL.isBlank()) {
      String why = "NEXUS_TEST_POSTGRES_URL is not set: the PostgreSQL store suite did not run";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        Assertions.fail(why + " (under CI it must)");
      }
      Assumptions.abort(why);
    }
    var admin = new PGSimpleDataSource();
    admin.setURL(URL);
    JdbcClient.create(admin).sql("CREATE SCHEMA IF NOT EXISTS " + SCHEMA).update();
    var dataSource = new PGSimpleDataSource();
    dataSource.setURL(URL);
    dataSource.setCurrentSchema(SCHEMA);
    migrate(dataSource);
    return dataSource;
  }
}
