#!/usr/bin/env bash
# Regenerates this fixture: a format-version-1 checkpoint written by dist-train at commit a22bb65 (the code before
# the model seam; checkpoint format version 1), and that code's `evaluate` output for it, so tests can check that
# checkpoints written by that code still load, inspect and evaluate to the same numbers.
#
# Run it with a dist-train binary built from a22bb65:
#   git worktree add /tmp/v1 a22bb65 && (cd /tmp/v1 && swift build -c release)
#   DIST_TRAIN=/tmp/v1/.build/release/dist-train ./make_fixture.sh
set -euo pipefail
B=${DIST_TRAIN:?set DIST_TRAIN to a dist-train binary built from commit a22bb65}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
cd "$work"
"$B" prepare --simulated 40 --seed 1 --out sim40.nc
"$B" train --data sim40.nc --model resnet18 --widths 4,4,4,4 --length 400 --batch-size 8 --max-steps 2 --epochs 1 \
    --threads 1 --progress lines --checkpoint-dir ckpt --log-dir logs
"$B" evaluate --checkpoint ckpt/step-000002.nc --data sim40.nc --split all --out eval --threads 1
cp ckpt/step-000002.nc "$here/resnet18-w4-step2.nc"
cp eval/evaluation.json "$here/evaluation-sim40-all.json"
rm -rf "$work"
