#!/usr/bin/env bash
# Runs the gateway benchmark: builds what it needs, then prints p50/p99/throughput of each scenario
# and its ratio to a raw Armeria gRPC echo measured in the same run. Not part of the test suite.
# Settings: -Dbench.concurrency=8 -Dbench.warmup=5 -Dbench.seconds=10 (passed through to Java).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../scripts/find-jdk.sh
source scripts/find-jdk.sh
./mvnw -q -B -pl bench -am install -DskipTests -Dspotless.check.skip=true
./mvnw -q -B -pl bench exec:java "$@"
