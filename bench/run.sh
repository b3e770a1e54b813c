#!/usr/bin/env bash
# Runs a benchmark: builds what it needs, then prints p50/p99/throughput of each scenario and its
# ratio to a baseline measured in the same run. Not part of the test suite.
#   bench/run.sh [gateway|mcp|panels|llm|xds|waiting|tracing] [-Dbench.concurrency=8 -Dbench.warmup=5 -Dbench.seconds=10]
# gateway (default): the execution API against a raw Armeria echo over the same transport.
# mcp: MCP tools/call on the gateway against the official MCP Java SDK's server.
# panels: a panel tool through gateway -> sidecar -> panel against gateway -> panel directly, and the
#   sidecar's RSS idle and at 1,000 calls/s.
# llm: a turn through the LLM manager (real broker, scripted model) against the model call alone,
#   and 1,000 sessions against a 1 s model (turns/s against the ideal 1,000/s).
# xds: the xDS snapshot build and the time from a change to all of 10 ADS clients having it, with
#   1,000 and 10,000 endpoints, against one endpoint (-Dbench.changes=20).
# waiting: heap and Redis memory per waiting durable execution and its wake-up latency, parked in
#   Redis (100,000; -Dbench.waiting=N) against held in memory (2,000; -Dbench.baselineWaiting=N).
# tracing: the gateway with spans exported by OTLP to a local receiver, and with spans made but not
#   exported, against the OpenTelemetry SDK disabled (aim: at most 5% fewer calls/s).
set -euo pipefail
cd "$(dirname "$0")/.."
main=io.nexusmesh.bench.GatewayBenchmark
case "${1:-}" in
  gateway) shift ;;
  mcp) main=io.nexusmesh.bench.McpBenchmark; shift ;;
  panels) main=io.nexusmesh.bench.PanelBenchmark; shift ;;
  llm) main=io.nexusmesh.bench.LlmBenchmark; shift ;;
  xds) main=io.nexusmesh.bench.XdsBenchmark; shift ;;
  waiting) main=io.nexusmesh.bench.WaitingBenchmark; shift ;;
  tracing) main=io.nexusmesh.bench.TracingBenchmark; shift ;;
  -*|"") ;;
  *) echo "usage: bench/run.sh [gateway|mcp|panels|llm|xds|waiting|tracing] [-Dbench.concurrency=N ...]" >&2; exit 2 ;;
esac
# shellcheck source=../scripts/find-jdk.sh
source scripts/find-jdk.sh
./mvnw -q -B -pl bench -am install -DskipTests -Dspotless.check.skip=true
./mvnw -q -B -pl bench exec:java -Dbench.main="$main" "$@"
