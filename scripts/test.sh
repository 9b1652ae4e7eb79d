#!/usr/bin/env bash
# The one test command (README, .ci/run): set up, type-check, lint, then every test in one node:test run,
# so that the last lines are node's test summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx tsc -p tsconfig.test.json
npx eslint --max-warnings=0 .
mapfile -t files < <(find test -name '*.test.ts' | sort)
exec node --import tsx --test --test-reporter=spec --test-concurrency=2 "${files[@]}"
