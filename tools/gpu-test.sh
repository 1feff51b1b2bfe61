#!/usr/bin/env bash
# Packs what a GPU machine without Java or Maven needs to run Raccoon's CUDA tests (and, with --bench, the CLI
# benchmark) into gzip archives under target/gpu/, each under the device tool's 64 MiB carry limit:
#   target/gpu/raccoon-gpu-tests.tar.gz  .jre/ + gpu-tests/ (JUnit console launcher, engine, text and model
#                                        classes, engine and model test classes, their jars, run-tests.sh)
#   target/gpu/raccoon-gpu-bench.tar.gz  .jre/ + raccoon.jar
# The JRE comes from ../shared/tools/device-jre.sh (made when .jre/ is missing). See docs/CUDA.md.
# Usage, from the repository root: tools/gpu-test.sh [--bench]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bench=false
for arg in "$@"; do
    case $arg in
        --bench) bench=true ;;
        *) echo "usage: tools/gpu-test.sh [--bench]" >&2; exit 2 ;;
    esac
done
limit=$((64 * 1024 * 1024))
out=$root/target/gpu
stage=$out/stage/gpu-tests
dep=org.apache.maven.plugins:maven-dependency-plugin:3.9.0
# JUnit Jupiter 5.x.y runs on Platform 1.x.y, whose console launcher this is.
jupiter=$(sed -n 's:.*<junit.version>\(.*\)</junit.version>.*:\1:p' pom.xml | head -1)
platform=1.${jupiter#5.}

rm -rf "$out"
mkdir -p "$stage/lib" "$stage/classes" "$stage/test-classes"
[ -x .jre/bin/java ] || ../shared/tools/device-jre.sh

# Classes of engine, text and model plus the test classpath's jars (JUnit's own come with the launcher).
./mvn25 -B -ntp -q -pl raccoon-model -am test-compile "$dep:copy-dependencies" -DincludeScope=test \
    -DexcludeGroupIds=dev.raccoon,org.junit.jupiter,org.junit.platform,org.opentest4j,org.apiguardian \
    -DoutputDirectory="$stage/lib"
if $bench; then ./mvn25 -B -ntp -q -pl raccoon-cli -am package -DskipTests; fi
./mvn25 -B -ntp -q -N "$dep:copy" -Dartifact="org.junit.platform:junit-platform-console-standalone:$platform" \
    -DoutputDirectory="$stage/lib"
for m in engine text model; do cp -r "raccoon-$m/target/classes" "$stage/classes/$m"; done
for m in engine model; do cp -r "raccoon-$m/target/test-classes" "$stage/test-classes/$m"; done
install -m 755 tools/gpu-run-tests.sh "$stage/run-tests.sh"

pack() { # archive, then the folder/file pairs to put in it
    local archive=$1
    shift
    tar -czf "$archive" "$@"
    local size
    size=$(stat -c %s "$archive")
    if [ "$size" -gt "$limit" ]; then
        echo "gpu-test: $archive is $((size / 1048576)) MiB, over the 64 MiB a device call may carry" >&2
        exit 1
    fi
    echo "$(realpath --relative-to="$root" "$archive"): $((size / 1048576)) MiB"
}
pack "$out/raccoon-gpu-tests.tar.gz" -C "$root" .jre -C "$out/stage" gpu-tests
if $bench; then
    [ -f raccoon-cli/target/raccoon.jar ] || { echo "gpu-test: raccoon-cli/target/raccoon.jar missing" >&2; exit 1; }
    pack "$out/raccoon-gpu-bench.tar.gz" -C "$root" .jre -C "$root/raccoon-cli/target" raccoon.jar
fi
rm -rf "$out/stage"
cat <<'USAGE'
On the GPU machine (repository root, with the archive carried: carry ["target/gpu/raccoon-gpu-tests.tar.gz"]):
  mkdir -p /tmp/rc && tar xzf target/gpu/raccoon-gpu-tests.tar.gz -C /tmp/rc && /tmp/rc/gpu-tests/run-tests.sh
  (bench: tar xzf target/gpu/raccoon-gpu-bench.tar.gz -C /tmp/rc && /tmp/rc/.jre/bin/java --add-modules
   jdk.incubator.vector --enable-native-access=ALL-UNNAMED -jar /tmp/rc/raccoon.jar bench --device cuda)
USAGE
