#!/usr/bin/env bash
# Puts NVRTC 13 (libnvrtc.so.13 and its builtins) into target/nvrtc/ from Maven Central, where Bytedeco's
# cuda-redist jar carries NVIDIA's redistributable CUDA libraries, so that NvrtcTest can call the real NVRTC
# through the backend's FFM binding on a machine without a GPU or CUDA toolkit:
#   tools/fetch-nvrtc.sh && LD_LIBRARY_PATH=$PWD/target/nvrtc ./mvn25 -B -ntp -pl raccoon-engine test -Dtest=NvrtcTest
# The jar is 380 MB (checked against Central's SHA-1, then deleted); the two libraries kept are 113 MB.
# NVIDIA's licence for redistributable libraries applies to them: nothing here goes into the repository or a kit.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
version=13.1-9.19-1.5.13
url=https://repo1.maven.org/maven2/org/bytedeco/cuda-redist/$version/cuda-redist-$version-linux-x86_64.jar
out=$root/target/nvrtc
if [ -f "$out/libnvrtc.so.13" ]; then echo "fetch-nvrtc: $out already holds libnvrtc.so.13"; exit 0; fi
mkdir -p "$out"
jar=$(mktemp "$out/redist.XXXXXX.jar")
trap 'rm -f "$jar"' EXIT
echo "fetch-nvrtc: downloading $url (380 MB)" >&2
curl -fL --progress-bar -o "$jar" "$url"
want=$(curl -fsS "$url.sha1" | cut -c1-40)
got=$(sha1sum "$jar" | cut -c1-40)
[ "$want" = "$got" ] || { echo "fetch-nvrtc: SHA-1 $got does not match Central's $want" >&2; exit 1; }
unzip -q -o -j "$jar" 'org/bytedeco/cuda/linux-x86_64/libnvrtc*' -d "$out"
ls -l "$out"/libnvrtc*
