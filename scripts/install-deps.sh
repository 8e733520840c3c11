#!/usr/bin/env bash
# Installs the Debian 12 packages ingot needs to build and test. As root it runs apt-get; otherwise it prints the
# command to run. Usage: scripts/install-deps.sh [--test]  (--test adds what the test suite needs: Node.js, npm)
set -euo pipefail
packages=(build-essential cmake g++ libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev
          libcpp-httplib-dev libcli11-dev libyaml-cpp-dev libcurl4-openssl-dev libssl-dev ca-certificates curl)
if [[ "${1:-}" == "--test" ]]; then
  command -v node >/dev/null 2>&1 || packages+=(nodejs)
  command -v npm >/dev/null 2>&1 || packages+=(npm)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0
if [[ $(id -u) -eq 0 ]]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "ingot needs these packages: ${missing[*]}" >&2
  echo "install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
