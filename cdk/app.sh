#!/usr/bin/env bash
# The CDK app command (cdk.json): builds the Lambda package and the stack code when stale, then runs the app.
set -euo pipefail
source "$(dirname "$0")/../local/bin/env.sh"
cd "$PROJECT_ROOT"
stamp=cdk/target/classpath.txt
if [ ! -f functions/target/pod-identity-functions.zip ] || [ ! -f "$stamp" ] \
   || [ -n "$(find functions/src/main cdk/src pom.xml functions/pom.xml cdk/pom.xml -newer "$stamp" -type f 2>/dev/null | head -1)" ]; then
  mvn -B -q -Dstyle.color=never -DskipTests -pl functions,cdk -am install >&2
  mvn -B -q -Dstyle.color=never -pl cdk dependency:build-classpath -Dmdep.outputFile=target/classpath.txt >&2
fi
cd cdk
exec java -cp "target/classes:$(cat target/classpath.txt)" dev.podidentity.cdk.PodIdentityApp
