# Sourced by .ci/run: installs Debian's PostgreSQL if missing, starts its cluster, makes sure a
# 'nexus' database and role exist, and exports NEXUS_TEST_POSTGRES_URL for the store test suite.
if ! command -v pg_lsclusters >/dev/null 2>&1; then
  echo "Installing PostgreSQL from Debian packages"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
pg_cluster=$(pg_lsclusters --no-header | awk 'NR == 1 {print $1 " " $2}')
if [ -z "$pg_cluster" ]; then
  pg_createcluster "$(ls /usr/lib/postgresql | sort -n | tail -1)" main >/dev/null
  pg_cluster=$(pg_lsclusters --no-header | awk 'NR == 1 {print $1 " " $2}')
fi
# shellcheck disable=SC2086
pg_ctlcluster $pg_cluster start 2>/dev/null || true
pg_port=$(pg_lsclusters --no-header | awk 'NR == 1 {print $3}')
for _ in $(seq 1 30); do
  su postgres -c "pg_isready -q -p $pg_port" && break
  sleep 1
done
su postgres -c "psql -q -p $pg_port -tc \"SELECT 1 FROM pg_roles WHERE rolname = 'nexus'\"" | grep -q 1 ||
  su postgres -c "psql -q -p $pg_port -c \"CREATE ROLE nexus LOGIN PASSWORD 'nexus'\""
su postgres -c "psql -q -p $pg_port -tc \"SELECT 1 FROM pg_database WHERE datname = 'nexus'\"" | grep -q 1 ||
  su postgres -c "createdb -p $pg_port -O nexus nexus"
export NEXUS_TEST_POSTGRES_URL="jdbc:postgresql://127.0.0.1:$pg_port/nexus?user=nexus&password=nexus"
echo "PostgreSQL ready: $NEXUS_TEST_POSTGRES_URL"
