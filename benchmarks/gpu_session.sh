#!/usr/bin/env bash
# One prepared GPU session (run from the repository root on a CUDA machine):
#   1. the CUDA tests (tests/nets/test_cuda.py: laws on CUDA, agreement with the CPU);
#   2. benchmarks/frames_cost.py on CUDA (time per batch, FA-GNN vs EGNN), then
#      benchmarks/affine_conv_cost.py on CUDA (group convolution vs its conv2d floor) and, if EP_S > 0,
#      benchmarks/ep_cost.py on CUDA (per-epoch cost of each EP estimator vs backprop);
#   3. FA-GNN (Adam 1e-3, the recipe of our long runs) on the charged 5-body task at the paper's
#      data sizes (3000/2000/2000): the training loop stops at the first epoch past TOTAL_S - 20
#      seconds of session clock (default TOTAL_S=500), and a timeout at TOTAL_S + 60 caps the
#      whole step (data, final evaluation and plots included).
#      NBODY_SPLITS=FILE trains on splits written here by `nets train nbody --export-splits FILE`
#      (2.8 MB, carry it; otherwise the data is generated on the GPU), and NBODY_RESUME=CKPT
#      continues that checkpoint (e.g. benchmarks/results/checkpoints/*.ckpt) instead of starting,
#      up to NBODY_EPOCHS epochs (default 9398: the committed checkpoint counts from epoch 602).
#      A resume needs NBODY_SPLITS: data generated on the GPU need not equal the CPU's bit for bit.
# Results go to $OUT (default out/gpu), flat, so a remote runner can fetch them; the run's
# checkpoint is among them, so a later session (GPU or CPU) can carry on with --resume.
set -u
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
OUT=${OUT:-out/gpu}
mkdir -p "$OUT"
PY=${PYTHON:-python3}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.txt"
$PY -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())" \
  | tee -a "$OUT/gpu.txt"
timeout "${TESTS_S:-120}" $PY -m pytest -p no:cacheprovider -q tests/nets/test_cuda.py 2>&1 \
  | tail -n 40 | tee "$OUT/gpu_tests.txt"
# the octahedra slow path costs about 1.7 s per call on the GPU: keep the repeats low
timeout "${FRAMES_S:-90}" $PY benchmarks/frames_cost.py --device cuda --repeats 8 2>&1 \
  | tee "$OUT/frames_cost_cuda.txt"
# the group convolution against its conv2d floor (issue 30's cost target, the GPU column)
timeout "${AFFINE_S:-90}" $PY benchmarks/affine_conv_cost.py --device cuda --repeats 10 \
  --json "$OUT/affine_conv_cost_cuda.json" 2>&1 | tee "$OUT/affine_conv_cost_cuda.txt"
if [ "${EP_S:-0}" -gt 0 ]; then
  timeout "$EP_S" $PY benchmarks/ep_cost.py --device cuda --repeats 2 2>&1 \
    | tee "$OUT/ep_cost_cuda.txt"
fi
args=(--model fa-gnn --lr 1e-3 --device cuda --out "$OUT/run" --cache-dir /tmp/nbody)
[ -n "${NBODY_SPLITS:-}" ] && args+=(--splits "$NBODY_SPLITS")
if [ -n "${NBODY_RESUME:-}" ]; then
  if [ -z "${NBODY_SPLITS:-}" ]; then
    echo "NBODY_RESUME needs NBODY_SPLITS (write them with nets train nbody --export-splits)"
    exit 2
  fi
  args+=(--epochs "${NBODY_EPOCHS:-9398}" --resume "$NBODY_RESUME")
fi
total=${TOTAL_S:-500}
tenths=$(( (total - 20 - SECONDS) / 6 ))  # minutes in tenths: 20 s left to finish
if [ "$tenths" -lt 1 ]; then
  echo "no time left for training (session clock ${SECONDS} s of TOTAL_S=${total})"
  exit 0
fi
timeout $(( total + 60 - SECONDS )) $PY -m nets train nbody "${args[@]}" \
  --time-limit "$(( tenths / 10 )).$(( tenths % 10 ))" > "$OUT/nbody_log.txt" 2>&1
tr '\r' '\n' < "$OUT/nbody_log.txt" | grep -v '^\s*$' | tail -n 12
for f in fa-gnn.json fa-gnn.pt fa-gnn.ckpt; do
  cp "$OUT/run/nets/nbody/$f" "$OUT/cuda-$f" 2>/dev/null
done
cp "$OUT"/run/nets/nbody/generator_stats.json "$OUT/generator_stats_cuda.json" 2>/dev/null
rm -rf "$OUT/run"
