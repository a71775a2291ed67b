/* Versioned, checksummed binary files (models, checkpoints).
 *
 * Layout: 8-byte magic, little-endian u32 format version, u64 payload length, payload, and a
 * CRC-32 (zlib) of everything before it. Loading refuses a wrong magic, a newer version, a wrong
 * length (truncated or padded file) and a checksum mismatch, each with its own message naming
 * the file. Payloads are built and parsed with the little-endian writers and readers below. */
#ifndef NANOCIM_BINFILE_H
#define NANOCIM_BINFILE_H

#include <stddef.h>
#include <stdint.h>

#include "nanocim/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    uint8_t *p;
    size_t len, cap;
    int oom; /* set when an append failed to allocate */
} ncm_wbuf;

void ncm_wbuf_u32(ncm_wbuf *b, uint32_t v);
void ncm_wbuf_u64(ncm_wbuf *b, uint64_t v);
void ncm_wbuf_f32(ncm_wbuf *b, const float *v, size_t n);
void ncm_wbuf_bytes(ncm_wbuf *b, const void *v, size_t n);
void ncm_wbuf_free(ncm_wbuf *b);

typedef struct {
    const uint8_t *p;
    size_t len, pos;
    int short_read; /* set when a read went past the end (the value read is 0) */
} ncm_rbuf;

uint32_t ncm_rbuf_u32(ncm_rbuf *b);
uint64_t ncm_rbuf_u64(ncm_rbuf *b);
void ncm_rbuf_f32(ncm_rbuf *b, float *v, size_t n);
void ncm_rbuf_bytes(ncm_rbuf *b, void *v, size_t n);

/* Writes magic + version + payload + CRC atomically to path. */
ncm_status ncm_binfile_save(const char *path, const char magic[8], uint32_t version,
                            const ncm_wbuf *payload, ncm_error *err);
/* Reads and verifies a file; on success *data (malloc'd, free it) holds the whole file and
 * *payload reads its payload; *version is the file's format version. `what` names the kind of
 * file in messages ("model", "checkpoint"). The magic, version and announced length are checked
 * before the payload is read (a regular file's size against the length before allocating). */
ncm_status ncm_binfile_load(const char *path, const char magic[8], uint32_t max_version,
                            const char *what, uint8_t **data, ncm_rbuf *payload, uint32_t *version,
                            ncm_error *err);

/* Reads a whole file of at most max_bytes bytes (malloc'd into *data, NUL-terminated, *len bytes
 * without the NUL), checking first what can be checked without reading it whole: not a folder; a
 * regular file's size within max_bytes; when magic is not NULL, its first n_magic bytes; for a
 * text file (text set), no NUL byte in a block read (a binary file of the wrong kind, or a device
 * such as /dev/zero, is refused after its first bytes). Anything else (a pipe) is read in growing
 * blocks and refused once it passes max_bytes. `what` names the kind of file in messages ("zip
 * archive": "not a zip archive (bad magic)"). */
ncm_status ncm_read_file_checked(const char *path, const void *magic, size_t n_magic, int text,
                                 size_t max_bytes, const char *what, char **data, size_t *len,
                                 ncm_error *err);

#ifdef __cplusplus
}
#endif
#endif
