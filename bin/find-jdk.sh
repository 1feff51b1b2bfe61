# Sourced by ./raccoon and ./mvn25: sets RACCOON_JAVA_HOME to a JDK 25 or newer, or explains what to install.
# Order: RACCOON_JAVA_HOME, JAVA_HOME, then the usual install locations.

raccoon_java_major() { # prints the feature version of the JDK at $1, or nothing
  local v
  [ -x "$1/bin/java" ] || return 0
  v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  echo "${v%%.*}"
}

raccoon_find_jdk() {
  local candidate major
  for candidate in "${RACCOON_JAVA_HOME:-}" "${JAVA_HOME:-}" \
      /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk-arm64 /usr/lib/jvm/temurin-25-jdk \
      /usr/lib/jvm/java-25-openjdk-amd64 /usr/lib/jvm/java-25-openjdk-arm64 /usr/lib/jvm/jdk-25* \
      /usr/lib/jvm/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* \
      /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -n "$candidate" ] || continue
    major=$(raccoon_java_major "$candidate")
    if [ -n "$major" ] && [ "$major" -ge 25 ] 2>/dev/null; then
      RACCOON_JAVA_HOME="$candidate"
      export RACCOON_JAVA_HOME
      return 0
    fi
  done
  cat >&2 <<'MSG'
raccoon: no JDK 25 found (looked at RACCOON_JAVA_HOME, JAVA_HOME and /usr/lib/jvm, /opt, ~/.sdkman).
Install one, then try again, e.g.:
  Debian/Ubuntu: apt-get install temurin-25-jdk   (Adoptium's apt repository)
  or download Temurin 25 from adoptium.net and set JAVA_HOME to it.
MSG
  return 1
}
