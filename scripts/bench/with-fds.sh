#!/usr/bin/env bash
# Runs a benchmark part with a raised open-file limit: thousands of sockets need as many descriptors, in the hub and in
# the load generator alike (child processes inherit the limit). Usage: with-fds.sh scripts/bench/PART.ts [args]
want=65536
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt "$want" ]; then
  ulimit -Hn "$want" 2>/dev/null || want=$hard
fi
ulimit -Sn "$want" 2>/dev/null || ulimit -Sn "$(ulimit -Hn)"
cd "$(dirname "$0")/../.." || exit 1
exec node --import tsx "$@"
