#!/bin/sh
# /usr/local/bin/acdc in the image: the binary with libtorch from the image's PyTorch and the
# carried Debian libraries on the library path.
torch_lib=$(python3 -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
LD_LIBRARY_PATH="/opt/acdc/lib:${torch_lib}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LD_LIBRARY_PATH
exec /opt/acdc/bin/acdc "$@"
