/* Shared by the libFuzzer harnesses (fuzz/fuzz_*.c): the input written to a file the harness
 * hands to a path-based reader, and a NUL-terminated copy for the text parsers. Each harness
 * defines LLVMFuzzerTestOneInput and checks only that the reader returns (an object or an error
 * with a message), never crashes, leaks or trips a sanitizer. */
#ifndef NCM_FUZZ_COMMON_H
#define NCM_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* Writes data to this process's scratch file (in $TMPDIR, or /tmp), whose name ends with
 * suffix ("" for none), and returns its path; aborts when the file cannot be written, which
 * is a harness failure, not a finding. */
const char *fuzz_file(const uint8_t *data, size_t size, const char *suffix);
/* A malloc'd NUL-terminated copy of data (at most max bytes). */
char *fuzz_string(const uint8_t *data, size_t size, size_t max);
/* The reader's result must come with a message when it failed. */
void fuzz_check_error(int failed, const char *msg);

#endif
