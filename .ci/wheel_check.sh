#!/usr/bin/env bash
# `make wheel-check`: build a wheel and an sdist, then install the wheel as a user would, in two
# fresh virtual environments outside the repository (so that nothing is imported from the source
# tree):
#   1. with every extra, torch pinned first (the CPU wheel on this machine's disk; an unpinned
#      torch pulls a multi-gigabyte CUDA build): the three commands answer --help;
#   2. alone (the core dependencies, sympy and numpy): torch is absent, and `fieldsym` derives the heat
#      equation's symmetry algebra.
# Environment: PY (the python that builds, with `build` installed), TORCH_PIN.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
TORCH_PIN=${TORCH_PIN:-torch==2.13.0}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# pip, quiet, without this machine's notes about local index folders that lack a package
pipq() { "$@" 2> >(grep -v "^WARNING: Location 'file:" >&2); }

echo "== build: wheel and sdist =="
"$PY" -m build --outdir "$WORK/dist" . > "$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
WHEEL=$(ls "$WORK"/dist/symkit-*.whl)
SDIST=$(ls "$WORK"/dist/symkit-*.tar.gz)
echo "built $(basename "$WHEEL") and $(basename "$SDIST")"
"$PY" -c "import sys, zipfile; names = zipfile.ZipFile(sys.argv[1]).namelist(); sys.exit(0 if any(n.endswith(\"/LICENSE\") for n in names) else \"the wheel has no LICENSE\")" "$WHEEL"

echo "== fresh environment, every extra =="
python3 -m venv "$WORK/all"
pipq "$WORK/all/bin/pip" install -q --no-compile "$TORCH_PIN"
pipq "$WORK/all/bin/pip" install -q --no-compile "$WHEEL[all]"
cd "$WORK"
for cmd in liegeom fieldsym nets; do
  "$WORK/all/bin/$cmd" --help > "$WORK/$cmd.help"
  grep -q "^usage: $cmd" "$WORK/$cmd.help" || { echo "$cmd --help: no usage line"; exit 1; }
  echo "$cmd --help: ok"
done
"$WORK/all/bin/python" -c "import liegeom, fieldsym, nets, symkit; print('import ok', symkit.__version__, liegeom.__file__)" | tee "$WORK/import.txt"
grep -q "$WORK/all/" "$WORK/import.txt" || { echo "imported from outside the fresh environment"; exit 1; }

echo "== fresh environment, the wheel alone (fieldsym without torch) =="
python3 -m venv "$WORK/core"
pipq "$WORK/core/bin/pip" install -q --no-compile "$WHEEL"
if "$WORK/core/bin/python" -c "import torch" 2>/dev/null; then
  echo "torch is importable in the core install"; exit 1
fi
"$WORK/core/bin/python" -c "import fieldsym; print('import fieldsym ok')"
"$WORK/core/bin/fieldsym" symmetries --equation "u_t - u_xx" --vars x t --fields u > "$WORK/heat.txt"
cat "$WORK/heat.txt" | head -9
grep -Eq "6 generators, 1 famil(y|ies)" "$WORK/heat.txt" || { echo "heat equation: expected 6 generators and 1 family"; exit 1; }
grep -Eq "(-f1_t \+ f1_xx|f1_t - f1_xx|f1_xx - f1_t|-f1_xx \+ f1_t) = 0" "$WORK/heat.txt" \
  || { echo "heat equation: expected the family's condition f1_t = f1_xx (either sign)"; exit 1; }
for gen in "∂_t" "∂_x" "u\*∂_u" "x\*∂_x \+ 2\*t\*∂_t"; do
  grep -Eq "= $gen$" "$WORK/heat.txt" || { echo "heat equation: no generator $gen"; exit 1; }
done
echo "wheel check: ok"
