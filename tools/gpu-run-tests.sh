#!/usr/bin/env bash
# Runs Raccoon's engine tests and the model's oracle parity test on a machine with no Maven, with the JRE and the
# CLI jar that tools/gpu-kit.sh packed beside this folder (../jre, ../raccoon.jar), through the JUnit Platform
# console launcher. The test resources come from the repository the command starts in (RACCOON_REPO, default: the
# current directory), as the device tool runs commands in its copy of the repository. On a GPU machine the CUDA
# tests run; without one they skip. Arguments replace the default selection with console launcher selectors, e.g.
#   --select-class dev.raccoon.engine.CudaBackendTest
#   --select-method 'dev.raccoon.engine.CudaBackendTest#bf16GemmsMatchTheCpuThatRoundsTheSameOperands'
# Extra JVM flags: RACCOON_JAVA_OPTS (e.g. -Draccoon.cuda.sync=true to name the kernel behind an async fault).
# JUnit XML reports go to $OUT when it is set (the device tool brings that folder back), else to ./reports.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=${RACCOON_REPO:-$PWD}
resources=$repo/raccoon-model/src/test/resources
[ -d "$resources/oracle" ] || { echo "run-tests: no $resources/oracle: start in the repository root or set RACCOON_REPO" >&2; exit 2; }
java=${JAVA:-$here/../jre/bin/java}
cp="$here/../raccoon.jar:$here/test-classes/engine:$here/test-classes/model:$resources"
for jar in "$here"/lib/*.jar; do cp="$cp:$jar"; done
if [ $# -gt 0 ]; then select=("$@"); else
    select=(--select-package dev.raccoon.engine --select-class dev.raccoon.model.OracleParityTest)
fi
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
# The launcher on the JVM's own class path, not --class-path, so that tests starting a child JVM with
# java.class.path (CudaAvailabilityTest) hand it every class.
# shellcheck disable=SC2086
exec "$java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx8g ${RACCOON_JAVA_OPTS:-} \
    -cp "$cp" org.junit.platform.console.ConsoleLauncher execute --disable-banner --disable-ansi-colors --details tree \
    --reports-dir "${OUT:-$here/reports}" "${select[@]}"
