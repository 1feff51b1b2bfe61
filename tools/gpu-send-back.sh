#!/usr/bin/env bash
# On the GPU machine: brings model directories back through the device tool, which returns at most 8 files from
# $OUT, 16 MiB each and 64 MiB together. Each DIR is written again in f16 (raccoon export), tarred and cut into
# 15 MiB parts $OUT/NAME.tar.part-aa, -ab, ... (NAME: DIR's path with / as -, less a leading /). Back on the
# development machine:
#   mkdir -p runs/gpu && cat FILES_AT/NAME.tar.part-* | tar -x -C runs/gpu
# Usage: send-back.sh DIR...
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# -gt 0 ] || { echo "usage: send-back.sh DIR..." >&2; exit 2; }
[ -n "${OUT:-}" ] || { echo "send-back: \$OUT is not set (the device tool sets it)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for dir in "$@"; do
    name=$(echo "${dir%/}" | sed 's#^\./##; s#^/##; s#/#-#g')
    "$here/raccoon" export --model "$dir" --out "$work/$name" --dtype f16
    tar -C "$work" -cf - "$name" | split -b 15M -a 2 - "$OUT/$name.tar.part-"
done
ls -l "$OUT"
parts=$(find "$OUT" -maxdepth 1 -type f | wc -l)
bytes=$(du -cb "$OUT" | tail -1 | cut -f1)
if [ "$parts" -gt 8 ] || [ "$bytes" -gt $((64 * 1024 * 1024)) ]; then
    echo "send-back: $parts files, $bytes bytes in \$OUT: more than the device tool brings back (8 files, 64 MiB)" >&2
    exit 1
fi
