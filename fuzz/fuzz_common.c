/* The harnesses' scratch file and string helpers (fuzz/fuzz_common.h). */
#include "fuzz_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *fuzz_file(const uint8_t *data, size_t size, const char *suffix)
{
    static char path[4096];
    const char *dir = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/ncm-fuzz-%ld%s", dir && *dir ? dir : "/tmp", (long)getpid(),
             suffix);
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f)) {
        perror(path);
        abort();
    }
    return path;
}

char *fuzz_string(const uint8_t *data, size_t size, size_t max)
{
    if (size > max)
        size = max;
    char *s = malloc(size + 1);
    if (!s)
        abort();
    memcpy(s, data, size);
    s[size] = 0;
    return s;
}

void fuzz_check_error(int failed, const char *msg)
{
    if (failed && (!msg || !msg[0])) {
        fprintf(stderr, "a reader failed without a message\n");
        abort();
    }
}
