# Sourced by the scripts in local/bin and by .ci/run: picks a JDK that can build Java 21 bytecode
# (JAVA_HOME if it is 21 or newer, else the newest JDK under /usr/lib/jvm), and puts Node's warning to rest.
java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/ *java.specification.version = //p' | cut -d. -f1; }
if [ -z "${JAVA_HOME:-}" ] || [ ! -x "$JAVA_HOME/bin/java" ] || [ "$(java_major "$JAVA_HOME")" -lt 21 ]; then
  JAVA_HOME=""
  for candidate in /usr/lib/jvm/*; do
    [ -x "$candidate/bin/javac" ] || continue
    major=$(java_major "$candidate")
    if [ "${major:-0}" -ge 21 ] && { [ -z "$JAVA_HOME" ] || [ "$major" -gt "$(java_major "$JAVA_HOME")" ]; }; then
      JAVA_HOME="$candidate"
    fi
  done
  if [ -z "$JAVA_HOME" ]; then
    echo "No JDK 21 or newer found: install one (e.g. Temurin 25) or set JAVA_HOME" >&2
    exit 1
  fi
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
# Powertools metrics (EMF) print to stdout locally instead of probing the EC2 metadata address for an agent
export AWS_EMF_ENVIRONMENT="${AWS_EMF_ENVIRONMENT:-Local}"
PROJECT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export PROJECT_ROOT

# Installs dynalite (npm) when it is missing.
ensure_dynalite() {
  if [ ! -f "$PROJECT_ROOT/local/node_modules/dynalite/cli.js" ]; then
    # local/package.json denies classic-level's install script (node-gyp-build): its prebuilt binaries load at run
    # time, and the explicit entry keeps npm 11 from warning about an unreviewed script
    npm ci --prefix "$PROJECT_ROOT/local" --no-audit --no-fund >&2
  fi
}

# Builds this checkout's reactor (without tests) when local's jar is missing or older than a source file, and writes
# local's runtime classpath to local/target/classpath.txt. The classpath names this checkout's own build outputs
# (functions/target/*.jar), never the shared local Maven repository, so two checkouts at different commits each run
# their own handlers. POD_IDENTITY_LOCAL_CLASSPATH, when set, is used as is and nothing is built: tests that already run
# inside a Maven build set it to their own classpath (a nested build would rewrite the jars they are running).
ensure_built() {
  [ -n "${POD_IDENTITY_LOCAL_CLASSPATH:-}" ] && return 0
  # a stamp, not the jar's time: Maven leaves an unchanged jar as it was, which would make every later start rebuild
  local stamp="$PROJECT_ROOT/local/target/ensure-built.stamp"
  if ! ls "$PROJECT_ROOT"/local/target/pod-identity-local-*.jar >/dev/null 2>&1 || [ ! -f "$PROJECT_ROOT/local/target/classpath.txt" ] \
      || [ ! -f "$stamp" ] || [ -n "$(find "$PROJECT_ROOT/functions/src/main" "$PROJECT_ROOT/functions/src/test/java/dev/podidentity/testing" "$PROJECT_ROOT/local/src/main" "$PROJECT_ROOT/pom.xml" "$PROJECT_ROOT/functions/pom.xml" "$PROJECT_ROOT/local/pom.xml" \
        -newer "$stamp" -type f 2>/dev/null | head -1)" ]; then
    # Maven 3.8 (jansi) writes colour resets (ESC[0m) even with -B -q and style.color=never: strip every escape
    # sequence so a log file stays plain text; the build's exit status is kept
    (cd "$PROJECT_ROOT" && mvn -B -q -Dstyle.color=never -DskipTests -Dspotbugs.skip -pl local -am package \
      dependency:build-classpath -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=runtime 2>&1 \
      | sed 's/\x1b\[[0-9;]*[A-Za-z]//g' >&2; exit "${PIPESTATUS[0]}") || return
    touch "$stamp"
  fi
}

local_classpath() {
  if [ -n "${POD_IDENTITY_LOCAL_CLASSPATH:-}" ]; then
    echo "$POD_IDENTITY_LOCAL_CLASSPATH"
    return
  fi
  echo "$(ls "$PROJECT_ROOT"/local/target/pod-identity-local-*.jar | head -1):$(cat "$PROJECT_ROOT/local/target/classpath.txt")"
}

# Maven's bundled Guava warns about sun.misc.Unsafe on JDK 24+; allow it quietly.
if [ "$(java_major "$JAVA_HOME")" -ge 24 ]; then
  case "${MAVEN_OPTS:-}" in *sun-misc-unsafe-memory-access*) ;; *) export MAVEN_OPTS="--sun-misc-unsafe-memory-access=allow ${MAVEN_OPTS:-}" ;; esac
fi
