# cmake -DIN=FILE -DOUT=FILE.c -DNAME=symbol -P embed.cmake
# Writes FILE's bytes as a C array (NAME, NAME_len), so a program can carry
# another one inside it without a file on disk next to it.
# HEX, when given, is IN's bytes already read (help_blob.cmake's, with the
# gzip header's time zeroed so the build is the same each time)
if(DEFINED HEX)
  set(hex "${HEX}")
else()
  file(READ "${IN}" hex HEX)
endif()
string(LENGTH "${hex}" n)
math(EXPR len "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){16})" "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}.tmp"
  "/* generated from ${IN} by cmake/embed.cmake; do not edit */\n"
  "#include <stddef.h>\n"
  "const unsigned char ${NAME}[] = {\n${bytes}\n};\n"
  "const size_t ${NAME}_len = ${len};\n")
file(RENAME "${OUT}.tmp" "${OUT}")
