#!/usr/bin/env bash
# Starts WORLD copies of a command as the ranks of one data-parallel run, each with the environment
# torchrun would give it (RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT),
# waits for all of them, prints each rank's output under a "== rank R exit CODE ==" line, and exits
# non-zero when any rank did. For the tests that kill one rank and read what the others say.
#   usage: data_parallel_launch.sh WORLD PORT COMMAND [ARGS...]
set -u
world="$1"; port="$2"; shift 2
logs="$(mktemp -d)"
pids=()
for ((rank = 0; rank < world; ++rank)); do
  RANK=$rank WORLD_SIZE=$world LOCAL_RANK=$rank LOCAL_WORLD_SIZE=$world MASTER_ADDR=127.0.0.1 MASTER_PORT=$port \
    "$@" >"$logs/$rank.log" 2>&1 &
  pids+=($!)
done
status=0
for ((rank = 0; rank < world; ++rank)); do
  wait "${pids[$rank]}"; code=$?
  echo "== rank $rank exit $code =="
  cat "$logs/$rank.log"
  [ "$code" -ne 0 ] && status=1
done
rm -rf "$logs"
exit $status
