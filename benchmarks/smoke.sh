#!/usr/bin/env bash
# Runs every JMH benchmark once, briefly, so they keep compiling and running. Not a measurement:
# one fork, no warmup, one 100 ms iteration. Build first (mvn -B verify); extra args go to JMH.
set -euo pipefail
cd "$(dirname "$0")"
jar=target/benchmarks.jar
if [[ ! -f $jar ]]; then
  echo "$jar is missing: build with 'mvn -B verify' first" >&2
  exit 1
fi
java -jar "$jar" -f 1 -wi 0 -i 1 -r 100ms -w 100ms -foe true "$@"
