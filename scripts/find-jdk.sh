# Sourced by .ci/run and the launcher: exports JAVA_HOME pointing at a JDK >= 21, or explains
# how to get one and exits. Honours an existing JAVA_HOME when it is new enough.
java_major() {
  "$1/bin/java" -version 2>&1 | awk -F'"' '/version/ {split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit}'
}

# NEXUS_JDK_CANDIDATES (space-separated JDK folders) replaces the places searched.
find_jdk() {
  local candidate candidates
  if [ -n "${NEXUS_JDK_CANDIDATES:-}" ]; then
    read -r -a candidates <<< "$NEXUS_JDK_CANDIDATES"
  else
    candidates=("${JAVA_HOME:-}" /usr/lib/jvm/* "$HOME"/.sdkman/candidates/java/* /opt/java/* \
      "$(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent)")")")")
  fi
  for candidate in "${candidates[@]}"; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ] || continue
    if [ "$(java_major "$candidate")" -ge 21 ] 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

if ! JAVA_HOME="$(find_jdk)"; then
  echo "Nexus Mesh needs a JDK 21 or newer and none was found (looked at ${NEXUS_JDK_CANDIDATES:-JAVA_HOME, /usr/lib/jvm, ~/.sdkman, /opt/java and the java on PATH})." >&2
  echo "Install one, e.g. 'apt-get install openjdk-21-jdk' or https://adoptium.net, then set JAVA_HOME." >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
