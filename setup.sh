#!/usr/bin/env bash
# Installs the Debian build dependencies, builds a Release tree in build/ and generates the
# small demo model the README's first command embeds with.
set -euo pipefail
cd "$(dirname "$0")"

packages=(cmake g++ make pkg-config libeigen3-dev libdnnl-dev libxsimd-dev nlohmann-json3-dev
  libbenchmark-dev libgtest-dev libcli11-dev libutf8proc-dev libxxhash-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo_cmd=()
  ((EUID == 0)) || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}"
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)"
