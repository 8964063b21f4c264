#!/usr/bin/env bash
# One prepared GPU session (run from the repository root on a CUDA machine):
#   1. the CUDA tests (tests/nets/test_cuda.py: laws on CUDA, agreement with the CPU);
#   2. benchmarks/ep_cost.py on CUDA (per-epoch cost of each EP estimator vs backprop);
#   3. FA-GNN on the charged 5-body task at the paper's data sizes (3000/2000/2000),
#      data generated on the GPU, trained for NBODY_MIN minutes.
# Results go to $OUT (default out/gpu), flat, so a remote runner can fetch them.
set -u
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1
OUT=${OUT:-out/gpu}
mkdir -p "$OUT"
PY=${PYTHON:-python3}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.txt"
$PY -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())" \
  | tee -a "$OUT/gpu.txt"
timeout "${TESTS_S:-120}" $PY -m pytest -p no:cacheprovider -q tests/nets/test_cuda.py 2>&1 \
  | tail -n 40 | tee "$OUT/gpu_tests.txt"
timeout "${EP_S:-150}" $PY benchmarks/ep_cost.py --device cuda --repeats 2 2>&1 \
  | tee "$OUT/ep_cost_cuda.txt"
timeout "${NBODY_S:-360}" $PY -m nets train nbody --model fa-gnn --device cuda \
  --time-limit "${NBODY_MIN:-4.5}" --eval-every 10 --out "$OUT/run" --cache-dir /tmp/nbody \
  > "$OUT/nbody_log.txt" 2>&1
tail -n 12 "$OUT/nbody_log.txt"
cp "$OUT"/run/nets/nbody/fa-gnn.json "$OUT/fa-gnn-cuda.json" 2>/dev/null
cp "$OUT"/run/nets/nbody/generator_stats.json "$OUT/generator_stats_cuda.json" 2>/dev/null
rm -rf "$OUT/run"
