# cmake -DDIR=src/cli/help -DOUT=help_blob.c -P help_blob.cmake
# Every DIR/NAME.txt as a form feed, NAME, a newline and the text, in name
# order, gzipped, each byte split in two (below), and written as a C array
# (cli_help_blob, _len) by
# embed.cmake: what cli_help (src/cli/help.c) reads. No help text holds a
# form feed.
file(GLOB files "${DIR}/*.txt")
list(SORT files)
get_filename_component(outdir "${OUT}" DIRECTORY)
string(ASCII 12 ff)
set(all "")
foreach(f IN LISTS files)
  get_filename_component(name "${f}" NAME_WE)
  file(READ "${f}" text)
  string(FIND "${text}" "${ff}" at)
  if(NOT at EQUAL -1)
    message(FATAL_ERROR "${f}: a help text must not hold a form feed")
  endif()
  string(APPEND all "${ff}${name}\n${text}")
endforeach()
file(WRITE "${outdir}/help.txt" "${all}")
file(ARCHIVE_CREATE OUTPUT "${outdir}/help.txt.gz" PATHS "${outdir}/help.txt" FORMAT raw
     COMPRESSION GZip COMPRESSION_LEVEL 9)
set(IN "${outdir}/help.txt.gz")
# bytes 4-7 of a gzip header are its MTIME: zero, for a build that gives
# the same lxr each time
file(READ "${IN}" HEX HEX)
string(SUBSTRING "${HEX}" 0 8 head)
string(SUBSTRING "${HEX}" 16 -1 tail)
set(HEX "${head}00000000${tail}")
# each byte as two, 0x80 | its high nibble then 0x80 | its low one: no
# byte of the blob is printable ASCII, so strings(1) finds no word-like
# run in the compressed data (lintian's spelling check reads them as
# misspelt words); help.c puts the bytes back together
string(REGEX REPLACE "([0-9a-f])([0-9a-f])" "8\\18\\2" HEX "${HEX}")
set(NAME cli_help_blob)
include("${CMAKE_CURRENT_LIST_DIR}/embed.cmake")
