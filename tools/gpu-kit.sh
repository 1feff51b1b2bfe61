#!/usr/bin/env bash
# Packs what a GPU machine without Java or Maven needs to run Raccoon into target/gpu/raccoon-gpu.tar.xz, which
# holds the folder raccoon-gpu/:
#   jre/          a jlinked Java 25 (device-jre.sh's modules), left uncompressed inside so xz packs it to ~16 MB
#   raccoon.jar   the CLI, stored rather than deflated (xz packs it to ~7 MB instead of 15), without Lucene, which
#                 only 'vocab --morphemes' uses; raccoon runs it: raccoon-gpu/raccoon bench --device cuda
#   gpu-tests/    engine and model test classes, AssertJ and the JUnit console launcher; run-tests.sh runs the
#                 engine tests and OracleParityTest against raccoon.jar, with the test resources of the
#                 repository it is started in (which the device call carries anyway)
#   send-back.sh  DIR...: model directories in f16, tarred and cut into parts that the device tool brings back
# With --data FILE..., also target/gpu/raccoon-gpu-data.tar.xz: the files decompressed under raccoon-gpu/data/,
# for a second call while the machine is warm (xz packs text better than gzip).
# A device call carries at most 64 MiB, the repository's own files included, so the script adds those up and
# refuses an archive that would not fit. See docs/CUDA.md.
# Usage, from the repository root: tools/gpu-kit.sh [--data FILE]...
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
data=()
while [ $# -gt 0 ]; do
    case $1 in
        --data) [ $# -ge 2 ] || { echo "gpu-kit: --data needs a file" >&2; exit 2; }; data+=("$2"); shift 2 ;;
        *) echo "usage: tools/gpu-kit.sh [--data FILE]..." >&2; exit 2 ;;
    esac
done
for f in "${data[@]}"; do [ -f "$f" ] || { echo "gpu-kit: $f is not a file" >&2; exit 2; }; done
# shellcheck source=../bin/find-jdk.sh
. bin/find-jdk.sh
raccoon_find_jdk
limit=$((64 * 1024 * 1024))
out=$root/target/gpu
kit=$out/stage/raccoon-gpu
tests=$kit/gpu-tests
dep=org.apache.maven.plugins:maven-dependency-plugin:3.9.0
# JUnit Jupiter 5.x.y runs on Platform 1.x.y, whose console launcher this is.
jupiter=$(sed -n 's:.*<junit.version>\(.*\)</junit.version>.*:\1:p' pom.xml | head -1)
platform=1.${jupiter#5.}

rm -rf "$out"
mkdir -p "$tests/lib" "$tests/test-classes"

"$RACCOON_JAVA_HOME/bin/jlink" --add-modules java.base,jdk.incubator.vector,java.logging,java.management,jdk.unsupported,java.net.http,jdk.httpserver,java.sql,java.naming,java.xml,jdk.crypto.ec,jdk.zipfs \
    --strip-debug --no-man-pages --no-header-files --compress=zip-0 --output "$kit/jre"

# The CLI jar (whose classes the tests run against too), the test classes without their resources, and the test
# jars beyond JUnit's (the launcher has those): AssertJ and the byte-buddy its assumptions need.
./mvn25 -B -ntp -q -pl raccoon-cli -am package -DskipTests
./mvn25 -B -ntp -q -pl raccoon-model -am test-compile "$dep:copy-dependencies" -DincludeScope=test \
    -DincludeArtifactIds=assertj-core,byte-buddy -DoutputDirectory="$tests/lib"
./mvn25 -B -ntp -q -N "$dep:copy" -Dartifact="org.junit.platform:junit-platform-console-standalone:$platform" \
    -DoutputDirectory="$tests/lib"
for m in engine model; do cp -r "raccoon-$m/target/test-classes" "$tests/test-classes/$m"; done
# Emptied resource folders would shadow the repository's on the class path.
find "$tests/test-classes" -type f ! -name '*.class' -delete
find "$tests/test-classes" -type d -empty -delete
install -m 755 tools/gpu-run-tests.sh "$tests/run-tests.sh"
install -m 755 tools/gpu-send-back.sh "$kit/send-back.sh"

unpacked=$out/stage/jar
mkdir -p "$unpacked"
(cd "$unpacked" && "$RACCOON_JAVA_HOME/bin/jar" -xf "$root/raccoon-cli/target/raccoon.jar" && rm -rf org/apache/lucene org/tartarus \
    && rm -f META-INF/services/org.apache.lucene.* && mv META-INF/MANIFEST.MF ../MANIFEST.MF \
    && "$RACCOON_JAVA_HOME/bin/jar" --create --no-compress --file "$kit/raccoon.jar" --manifest ../MANIFEST.MF -C . .)
cat > "$kit/raccoon" <<'RUN'
#!/usr/bin/env bash
# The raccoon command on the GPU machine: the CLI jar on the kit's JRE. Extra JVM flags: RACCOON_JAVA_OPTS.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck disable=SC2086
exec "$here/jre/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx32g \
    ${RACCOON_JAVA_OPTS:-} -jar "$here/raccoon.jar" "$@"
RUN
chmod 755 "$kit/raccoon"

# What else travels with a device call: the files git tracks or would (the device tool's "working tree").
tree=$(git ls-files -co --exclude-standard -z | xargs -0 -r stat -c %s 2>/dev/null | awk '{s += $1} END {print s + 0}')
mib() { awk -v b="$1" 'BEGIN {printf "%.1f MiB", b / 1048576}'; }
pack() { # archive name, then the folder under target/gpu/stage to put in it
    local archive=$out/$1 size
    tar -C "$out/stage" -cf - "$2" | xz -9 -T0 > "$archive"
    size=$(stat -c %s "$archive")
    echo "target/gpu/$1: $(mib "$size"); with the working tree ($(mib "$tree")): $(mib $((size + tree))) of 64 MiB"
    if [ $((size + tree)) -gt "$limit" ]; then
        echo "gpu-kit: over the 64 MiB a device call may carry" >&2
        exit 1
    fi
}
pack raccoon-gpu.tar.xz raccoon-gpu
if [ ${#data[@]} -gt 0 ]; then
    rm -rf "$kit"
    mkdir -p "$kit/data"
    for f in "${data[@]}"; do
        name=$(basename "$f")
        case $name in
            *.gz) gzip -dc "$f" > "$kit/data/${name%.gz}" ;;
            *) cp "$f" "$kit/data/$name" ;;
        esac
    done
    pack raccoon-gpu-data.tar.xz raccoon-gpu
fi
rm -rf "$out/stage"
cat <<'USAGE'
On the GPU machine, a device call from the repository root with carry ["target/gpu/raccoon-gpu.tar.xz"]:
  tar xJf target/gpu/raccoon-gpu.tar.xz -C /tmp && /tmp/raccoon-gpu/gpu-tests/run-tests.sh
  /tmp/raccoon-gpu/raccoon bench --device cuda
USAGE
if [ ${#data[@]} -gt 0 ]; then
    cat <<'USAGE'
The data in the next call, within the 30 s the machine stays warm, with carry ["target/gpu/raccoon-gpu-data.tar.xz"]:
  tar xJf target/gpu/raccoon-gpu-data.tar.xz -C /tmp && ls -l /tmp/raccoon-gpu/data
USAGE
fi
