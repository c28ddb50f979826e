// libpng's simplified API, for reading digit images (Debian: libpng-dev, pkg-config `libpng`).
#include <png.h>
