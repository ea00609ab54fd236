# cmake -DIN=file -DOUT=file.inc -P EmbedFile.cmake
# Writes IN's bytes as a comma-separated list of hex literals, for
# `static const unsigned char data[] = {\n#include "file.inc"\n};`.
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE "${OUT}" "${bytes}\n")
