#!/usr/bin/env bash
# Regenerates v1-baseline.binpb, the image of the released v1 contracts that `buf breaking` holds
# the build to. Run it only when a release is cut (or a break is decided on purpose, with the
# reason in the commit message): after it, the current contracts are the ones callers rely on.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x node_modules/.bin/buf ] || npm install --no-audit --no-fund --loglevel=error
[ -d target/vendor ] || (cd .. && ./mvnw -q -pl proto generate-resources)
node_modules/.bin/buf build src/main/proto --exclude-source-info -o breaking/v1-baseline.binpb
echo "wrote $(pwd)/breaking/v1-baseline.binpb"
