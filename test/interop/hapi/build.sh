#!/usr/bin/env bash
# Fetch HAPI HL7v2 from Maven Central (once, into the cache) and compile our HAPI peers (*.java here) against it.
# Prints the classpath to run them with, e.g. java -cp "$(bash test/interop/hapi/build.sh)" HapiMllpSender host port files...
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/../../../scripts/lib/common.sh"
home="$HL7R_CACHE/hapi-2.6.0"
if [ ! -f "$home/libs/.complete" ]; then
  need mvn "Maven fetches HAPI HL7v2 from Maven Central"
  say "fetching HAPI HL7v2 2.6.0 from Maven Central into $home/libs (first run only)"
  mkdir -p "$home/libs"
  mvn -B -q -Dstyle.color=never -f "$here/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$home/libs" >&2
  touch "$home/libs/.complete"
fi
mkdir -p "$home/classes"
for source in "$here"/*.java; do
  class="$home/classes/$(basename "$source" .java).class"
  if [ ! -f "$class" ] || [ "$source" -nt "$class" ]; then
    javac -nowarn -cp "$home/libs/*" -d "$home/classes" "$source" >&2
  fi
done
echo "$home/classes:$home/libs/*"
