#!/usr/bin/env bash
# Train the shipped Moving MNIST codecs and the end-to-end codecs they are compared with, using
# only `seqrdp train`, then copy the shipped ones into the package (src/seqrdp/models).
#
#   scripts/train_models.sh [RUNS]        (default RUNS=runs/zoo)
#
# Every command is resumable: kill the script and run it again to continue. The steps run one
# after another here; on a 2-core machine run the lines of one section in parallel (one thread
# each), as was done for the shipped models: about 2.2 hours of one-core time in all, 1.5 hours
# of wall time on 2 cores.
#
# 1. Cores: encoders + MMSE decoders trained on MSE (universal stage 1), one per I-frame rate.
# 2. Universal heads: fmd, jd and sa decoders on a frozen core (universal stage 2).
# 3. End-to-end fmd and jd codecs at the low-rate point, warm-started from the same core and
#    trained whole (encoder too) for as many steps as the universal heads (1,000).
# 4. Copy the universal codecs into the package with their recorded metrics
#    (scripts/ship_models.py).
set -euo pipefail
runs=${1:-runs/zoo}
common=(--threads 1 --pframe-bits 64 --no-tensorboard --checkpoint-every 250 --validation 64)
perception=(--mse-steps 0 --n-critic 1 --perception-lr 0.0002 --critic-lr 0.0004)

cores=(4:2000 16:1500 64:1500)  # I-frame bits : MSE steps (the low-rate core gets the most)
for entry in "${cores[@]}"; do
    i=${entry%%:*}
    seqrdp train universal "${common[@]}" --iframe-bits "$i" --mse-steps "${entry#*:}" \
        --perception-steps 0 --out "$runs/core-i$i"
done

# Perception steps per I-frame rate. The low-rate heads train as many steps as the end-to-end
# codecs below (the default schedule of `seqrdp train universal`); longer runs oscillated (at
# 1,500 steps the sa head had collapsed to blobs), see README.
steps=(4:1000 16:500 64:500)
for entry in "${steps[@]}"; do
    i=${entry%%:*}
    seqrdp train universal "${common[@]}" "${perception[@]}" --iframe-bits "$i" \
        --perception-steps "${entry#*:}" --init "$runs/core-i$i" \
        --out "$runs/mmnist-universal-i$i-p64"
done

for plf in fmd jd; do
    seqrdp train end-to-end --plf "$plf" "${common[@]}" "${perception[@]}" --iframe-bits 4 \
        --perception-steps 1000 --init "$runs/core-i4" --out "$runs/mmnist-e2e-$plf-i4-p64"
done

python scripts/ship_models.py "$runs"
