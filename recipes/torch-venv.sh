#!/usr/bin/env bash
# Ensures .venv-torch holds PyTorch (CPU) and safetensors, for the parity check
# (recipes/parity.sh, recipes/parity-torch.py) only; Tessera itself never needs Python.
# Prints the venv path on stdout (everything else goes to stderr).
#
# What it installs into .venv-torch (python3 -m venv, Python 3.11 here):
#   torch 2.13.0+cpu   from pip's find-links folder (/opt/wheels on these machines; pip.conf
#                      sets find-links), about 190 MB, no CUDA
#   safetensors 0.8.0, numpy 2.4.6, pinned, from PyPI
#   torch's own dependencies from PyPI: filelock, fsspec, jinja2, markupsafe, mpmath,
#   networkx, sympy, typing_extensions
# There is deliberately no fallback to PyPI's plain `torch`: on Linux x86-64 that is the CUDA
# build (2.15.0+cu132 when tried, several GB), which the check below would reject on the next
# run and reinstall again. Without the CPU wheel the script stops and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-torch
torch_pin="torch==2.13.0+cpu"
if ! "$venv/bin/python" -c 'import torch, safetensors; assert torch.__version__ == "2.13.0+cpu"' 2>/dev/null; then
    rm -rf "$venv"
    python3 -m venv "$venv" >&2
    if ! "$venv/bin/pip" install -q "$torch_pin" safetensors==0.8.0 numpy==2.4.6 >&2; then
        echo "torch-venv.sh: could not install $torch_pin: PyPI has no +cpu builds; pip takes it from a" \
             "find-links folder (/opt/wheels on these machines) holding torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl" >&2
        rm -rf "$venv"
        exit 1
    fi
fi
"$venv/bin/python" -c 'import sys, torch, safetensors, numpy; print("torch", torch.__version__, "safetensors", safetensors.__version__, "numpy", numpy.__version__, file=sys.stderr)'
echo "$PWD/$venv"
