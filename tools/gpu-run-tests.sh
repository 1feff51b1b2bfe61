#!/usr/bin/env bash
# Runs Raccoon's engine tests and the model's oracle parity test on a machine with no Maven, with the JRE that
# tools/gpu-test.sh packed beside this folder (../.jre), through the JUnit Platform console launcher. On a GPU
# machine the CUDA tests run; without one they skip. Arguments replace the default selection with console
# launcher selectors, e.g. --select-class dev.raccoon.engine.CudaBackendTest
#                           --select-method 'dev.raccoon.engine.CudaBackendTest#tf32GemmsStayClose'
# Extra JVM flags: RACCOON_JAVA_OPTS (e.g. -Draccoon.cuda.sync=true to name the kernel behind an async fault).
# JUnit XML reports go to $OUT when it is set (the device tool brings that folder back), else to ./reports.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
java=${JAVA:-$here/../.jre/bin/java}
launcher=$(ls "$here"/lib/junit-platform-console-standalone-*.jar)
cp="$here/classes/engine:$here/classes/text:$here/classes/model:$here/test-classes/engine:$here/test-classes/model"
for jar in "$here"/lib/*.jar; do
    [ "$jar" = "$launcher" ] || cp="$cp:$jar"
done
if [ $# -gt 0 ]; then select=("$@"); else
    select=(--select-package dev.raccoon.engine --select-class dev.raccoon.model.OracleParityTest)
fi
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
# shellcheck disable=SC2086
exec "$java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx8g ${RACCOON_JAVA_OPTS:-} \
    -jar "$launcher" execute --disable-banner --disable-ansi-colors --details tree --class-path "$cp" \
    --reports-dir "${OUT:-$here/reports}" "${select[@]}"
