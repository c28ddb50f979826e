// zlib, for gzipped MNIST IDX files (Debian: zlib1g-dev, pkg-config `zlib`).
#include <zlib.h>
