#!/bin/bash
# Reproduce the shipped weights: dlvc/learned/weights/{iframe,ssf,dvc}_q{1..4}.{npz,json}.
# Rate point r = CompressAI MSE quality r+3 (lambda 0.013, 0.025, 0.0483, 0.0932).
# Base models are trained at rate point 2 and fine-tuned to the others.  Runs two chains
# in parallel (one torch thread each, nice 19).  Usage: train_all.sh CKPT_DIR [SCALE]
# (SCALE multiplies all minute budgets; the shipped set used 1).  A third argument
# a or b runs one chain only (the shipped set: chain b was started 30 minutes after
# chain a, after two false starts of the SSF initialisation).
set -e
CK=${1:-/work/learned_ckpt}; S=${2:-1}; ONLY=${3:-}
W=$(cd "$(dirname "$0")" && pwd)/weights
mkdir -p "$CK" "$W"
m() { python -c "print($1*$S)"; }
# a step whose record (.json) exists is skipped, so the script can be re-run to resume
T() { local out="${@: -1}"; [ -f "$out.json" ] && return 0; nice -n 19 dlvc-train "$@"; }
q() { echo $(( $1 + 3 )); }
chain_a() {
  T iframe --quality 5 --minutes $(m 12) --lr 1e-3 -o $CK/iframe_q2
  for r in 1 3 4; do
    T iframe --quality $(q $r) --minutes $(m 5) --lr 3e-4 --init $CK/iframe_q2.pt -o $CK/iframe_q$r
  done
  T dvc --quality 5 --minutes $(m 16) --lr 1e-3 --iframe $CK/iframe_q2.npz -o $CK/dvc_q2
  for r in 1 3 4; do
    T dvc --quality $(q $r) --minutes $(m 4) --lr 3e-4 --init $CK/dvc_q2.pt --iframe $CK/iframe_q$r.npz -o $CK/dvc_q$r
  done
}
chain_b() {
  while [ ! -f $CK/iframe_q2.json ]; do sleep 10; done
  T ssf --quality 5 --minutes $(m 16) --lr 1e-3 --iframe $CK/iframe_q2.npz -o $CK/ssf_q2
  for r in 1 3 4; do
    while [ ! -f $CK/iframe_q$r.json ]; do sleep 10; done
    T ssf --quality $(q $r) --minutes $(m 4) --lr 3e-4 --init $CK/ssf_q2.pt --iframe $CK/iframe_q$r.npz -o $CK/ssf_q$r
  done
}
# session 12: the inter models go on from those weights (their .npz and record), rate point 2
# for 62 more minutes, then 5-minute fine-tunes to the other rate points; one chain per model
more() {
  local M=$1
  T $M --quality 5 --minutes $(m 62) --lr 1e-3 --init $CK/${M}_q2.npz --iframe $CK/iframe_q2.npz -o $CK/more/${M}_q2
  for r in 1 3 4; do
    T $M --quality $(q $r) --minutes $(m 5) --lr 3e-4 --init $CK/more/${M}_q2.pt --iframe $CK/iframe_q$r.npz -o $CK/more/${M}_q$r
  done
}
A=; B=
[ "$ONLY" != b ] && { chain_a > $CK/chain_a.log 2>&1 & A=$!; }
[ "$ONLY" != a ] && { chain_b > $CK/chain_b.log 2>&1 & B=$!; }
wait $A $B
mkdir -p $CK/more
more ssf > $CK/more_ssf.log 2>&1 & A=$!
more dvc > $CK/more_dvc.log 2>&1 & B=$!
wait $A $B
for f in $CK/iframe_q?.npz $CK/more/ssf_q?.npz $CK/more/dvc_q?.npz; do
  cp "$f" "${f%.npz}.json" "$W/"
done
du -ch "$W"/*.npz | tail -1
