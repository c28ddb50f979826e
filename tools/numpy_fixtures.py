"""Writes fixtures/numpy/: small .npy and .npz files as NumPy itself writes them, for the NumPy module's tests.

  python tools/numpy_fixtures.py fixtures/numpy

Each numeric dtype holds arange(12) - 3 (arange(12) for the unsigned ones, alternating for bool) in shape (3, 4);
then a 0-d array, an empty one, a version 2.0 file, a Fortran-ordered one, a big-endian one, an object array,
a string array, and archives written by savez and savez_compressed.
"""
import os
import sys

import numpy as np


def main():
    folder = sys.argv[1]
    os.makedirs(folder, exist_ok=True)
    for dtype in ["bool", "uint8", "int8", "uint16", "int16", "uint32", "int32", "uint64", "int64", "float16", "float32", "float64"]:
        values = np.arange(12) % 2 if dtype == "bool" else np.arange(12) - (0 if dtype.startswith("u") else 3)
        np.save(os.path.join(folder, f"{dtype}.npy"), values.reshape(3, 4).astype(dtype))
    np.save(os.path.join(folder, "scalar.npy"), np.float32(2.5))
    np.save(os.path.join(folder, "empty.npy"), np.zeros((0, 5), dtype="float32"))
    with open(os.path.join(folder, "version2.npy"), "wb") as f:
        array = np.linspace(0, 1, 6, dtype="float32").reshape(2, 3)
        np.lib.format.write_array(f, array, version=(2, 0))
    np.save(os.path.join(folder, "fortran.npy"), np.asfortranarray(np.arange(6, dtype="float32").reshape(2, 3)))
    np.save(os.path.join(folder, "big_endian.npy"), np.arange(4, dtype=">f4"))
    np.save(os.path.join(folder, "object.npy"), np.array([1, "two", None], dtype=object), allow_pickle=True)
    np.save(os.path.join(folder, "strings.npy"), np.array(["a", "bc"]))
    np.savez(os.path.join(folder, "pair.npz"), images=np.arange(6, dtype="uint8").reshape(2, 3), labels=np.array([1, 0], dtype="int64"))
    np.savez_compressed(os.path.join(folder, "compressed.npz"), x=np.arange(8, dtype="float64") / 4)


if __name__ == "__main__":
    main()
