#!/usr/bin/env bash
# The main job: install what is needed, build, and serve a model with the OpenAI-compatible API on
# http://127.0.0.1:8080. With no argument it serves an offline demo model (random weights: it prints gibberish).
# Usage: ./run.sh [MODEL.gguf] [extra `ingot serve` flags]
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh
scripts/build.sh
model="${1:-}"
[[ $# -gt 0 ]] && shift
if [[ -z "$model" ]]; then
  model=build/demo-model.gguf
  [[ -f "$model" ]] || build/src/cli/ingot dev make-model --shape tiny --out "$model"
fi
exec build/src/cli/ingot serve "$model" "$@"
