#!/usr/bin/env python3
"""Parses a Prometheus text exposition (what /metrics serves) with the Prometheus project's own
Python client parser (Debian's python3-prometheus-client) and prints its metric families as JSON:
`python3 scripts/metrics-parse.py FILE`. Exit 1 with the error when the text does not parse.
Used by the tests of /metrics (test-fixtures' PrometheusText)."""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

try:
    with open(sys.argv[1], encoding="utf-8") as page:
        families = [
            {
                "name": family.name,
                "type": family.type,
                "samples": [
                    {"name": s.name, "labels": s.labels, "value": s.value} for s in family.samples
                ],
            }
            for family in text_string_to_metric_families(page.read())
        ]
except Exception as e:  # the parser raises ValueError and others on bad text
    print(f"not Prometheus text: {e}", file=sys.stderr)
    sys.exit(1)
print(json.dumps(families))
