# Shared by the scripts: where the repository, the shared data and the tools are.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$PATH:/opt/swift/usr/bin"

# The team's shared folder (real Keras files, MNIST) sits beside the repository; a clone elsewhere
# finds it through $KERAS_SWIFT_SHARED or the workplace's /work/shared.
if [ -z "${KERAS_SWIFT_SHARED:-}" ]; then
  for candidate in "$REPO/../shared" /work/shared; do
    if [ -d "$candidate/keras-reference" ]; then KERAS_SWIFT_SHARED="$(cd "$candidate" && pwd)"; break; fi
  done
fi
if [ -z "${KERAS_SWIFT_SHARED:-}" ] || [ ! -d "$KERAS_SWIFT_SHARED/keras-reference" ]; then
  echo "error: cannot find the shared folder with keras-reference/ and data/mnist/;" \
       "put it beside the repository as ../shared or set KERAS_SWIFT_SHARED" >&2
  exit 1
fi
export KERAS_SWIFT_SHARED
export MNIST_DIR="${MNIST_DIR:-$KERAS_SWIFT_SHARED/data/mnist}"

# Debian packages the build needs: libhdf5, OpenBLAS, zlib and libpng headers, pkg-config, and hdf5-tools
# (h5dump/h5ls, which the tests compare against).
SYSTEM_PACKAGES=(libhdf5-dev libopenblas-dev zlib1g-dev libpng-dev pkg-config hdf5-tools)

install_system_packages() {
  local missing=()
  for package in "${SYSTEM_PACKAGES[@]}"; do
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
# (Keras 2) on top of it without its own TensorFlow, for the interoperability checks and tools/.
KERAS_VENV="${KERAS_VENV:-$REPO/.venv}"
KERAS_PYTHON="$KERAS_VENV/bin/python"

ensure_keras_environment() {
  if [ -x "$KERAS_PYTHON" ] && "$KERAS_PYTHON" -c "import keras, tf_keras, h5py" 2>/dev/null; then return 0; fi
  echo "Creating $KERAS_VENV with tensorflow-cpu, h5py and tf-keras"
  python3 -m venv "$KERAS_VENV"
  "$KERAS_PYTHON" -m pip install -q --upgrade pip
  "$KERAS_PYTHON" -m pip install -q tensorflow-cpu h5py
  "$KERAS_PYTHON" -m pip install -q --no-deps tf-keras
}
