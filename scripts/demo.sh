#!/usr/bin/env bash
# The demo: run a Solo5 spt unikernel under the shipped policy, then compile
# the shipped policies, show one filter, and ask it about a few calls.
set -euo pipefail
cd "$(dirname "$0")/.."
cli() { node bin/nabla-seccomp.js "$@"; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "== A Solo5 spt unikernel (the hello test guest) under policies/solo5-spt.policy"
guest=$(npx --no-install vite-node scripts/demo-guest.ts)
cli run --dry-run "$guest" | sed -n '1,/^manifest/p'
set +e
cli run "$guest" Hello_nabla
status=$?
set -e
echo "(the guest exited with status $status)"
echo

spt=(policies/solo5-spt.policy --param epoll=5 --param timer=6 --param 'nets=[]'
     --param 'blocks=[{"fd":4,"block_size":512,"capacity":4194304}]')

echo "== The Solo5 spt guest policy, one 4 MiB block device on fd 4, as a filter"
cli compile "${spt[@]}" --format listing
cli compile "${spt[@]}" -o "$out/spt.bpf"
echo
echo "== What it decides"
for call in "write --args 1" "write --args 2" "pread64 --args 4,0,512,4193792" \
            "pread64 --args 4,0,512,4194304" "getpid"; do
  # shellcheck disable=SC2086
  cli simulate "$out/spt.bpf" --arch x86_64 --syscall $call
done
cli simulate "$out/spt.bpf" --arch i386 --syscall write --args 1
echo
echo "== Every shipped policy compiles"
cli compile policies/nabla.policy --param pollfds=4096 --param poll_entries=1 \
  --param 'disks=[4]' --param 'taps=[5]' -o "$out/nabla.bpf"
cli compile policies/examples/node-server.policy -o "$out/node-server.bpf"
cli compile policies/examples/deny-errno.policy -o "$out/deny-errno.bpf"
for f in "$out"/*.bpf; do
  printf '%-16s %4d instructions\n' "$(basename "$f")" "$(( $(stat -c %s "$f") / 8 ))"
done
