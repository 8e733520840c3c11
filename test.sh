#!/usr/bin/env bash
# The whole test suite: install what is needed, build, run unit, golden and end-to-end tests with ctest.
# Needs ../shared (test models, golden outputs) beside the repository.
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh --test
if [[ ! -d ../shared/models ]]; then
  echo "test.sh: ../shared (test assets) is missing beside the repository" >&2
  exit 1
fi
scripts/build.sh
(cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
cd build && ctest --output-on-failure -j"$(nproc)" --timeout 900
