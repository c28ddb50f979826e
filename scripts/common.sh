# Shared by the scripts: where the repository, the shared data and the tools are.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$PATH:/opt/swift/usr/bin"

# The team's shared folder (real Keras files, MNIST): $KERAS_SWIFT_SHARED, else `shared` beside this
# repository, else beside the repository this one was cloned from (a local clone for a CI check).
if [ -z "${KERAS_SWIFT_SHARED:-}" ]; then
  candidates=("$REPO/../shared")
  origin="$(git -C "$REPO" remote get-url origin 2>/dev/null || true)"
  [ -n "$origin" ] && [ -d "$origin" ] && candidates+=("$origin/../shared")
  for candidate in "${candidates[@]}"; do
    if [ -d "$candidate/keras-reference" ]; then KERAS_SWIFT_SHARED="$(cd "$candidate" && pwd)"; break; fi
  done
fi
if [ -z "${KERAS_SWIFT_SHARED:-}" ] || [ ! -d "$KERAS_SWIFT_SHARED/keras-reference" ]; then
  echo "error: cannot find the shared folder (keras-reference/ with the notebooks' files, data/mnist/ with MNIST's" \
       "gzipped IDX files); put it beside the repository as ../shared or set KERAS_SWIFT_SHARED to it" >&2
  exit 1
fi
export KERAS_SWIFT_SHARED
export MNIST_DIR="${MNIST_DIR:-$KERAS_SWIFT_SHARED/data/mnist}"

# Debian packages the build needs: libhdf5, OpenBLAS, zlib and libpng headers, pkg-config, and hdf5-tools
# (h5dump/h5ls, which the tests compare against).
SYSTEM_PACKAGES=(libhdf5-dev libopenblas-dev zlib1g-dev libpng-dev pkg-config hdf5-tools)

# Installs the build's packages, or the ones named, when missing.
install_system_packages() {
  local wanted=("$@")
  [ ${#wanted[@]} -eq 0 ] && wanted=("${SYSTEM_PACKAGES[@]}")
  local missing=()
  for package in "${wanted[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
}

# A Python virtual environment with Keras on TensorFlow's CPU build (about 330 MB from PyPI) and tf-keras
# (Keras 2) on top of it without its own TensorFlow, for the interoperability checks and tools/; and the
# judges of the forms beyond Keras: safetensors, onnx and onnxruntime (about 60 MB).
KERAS_VENV="${KERAS_VENV:-$REPO/.venv}"
KERAS_PYTHON="$KERAS_VENV/bin/python"

ensure_keras_environment() {
  if ! { [ -x "$KERAS_PYTHON" ] && "$KERAS_PYTHON" -c "import keras, tf_keras, h5py" 2>/dev/null; }; then
    echo "Creating $KERAS_VENV with tensorflow-cpu, h5py and tf-keras"
    python3 -m venv "$KERAS_VENV"
    "$KERAS_PYTHON" -m pip install -q --upgrade pip
    "$KERAS_PYTHON" -m pip install -q tensorflow-cpu h5py
    "$KERAS_PYTHON" -m pip install -q --no-deps tf-keras
  fi
  if ! "$KERAS_PYTHON" -c "import safetensors, onnx, onnxruntime" 2>/dev/null; then
    echo "Adding safetensors, onnx and onnxruntime to $KERAS_VENV"
    "$KERAS_PYTHON" -m pip install -q safetensors onnx onnxruntime
  fi
}
