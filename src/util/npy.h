/* NumPy interchange files: .npy arrays and .npz archives (zip files of .npy members), read and
 * written without Python.
 *
 * .npy (numpy/lib/format.py, "NEP 1"): the magic "\x93NUMPY", a major and minor version byte,
 * the header length (little-endian u16 in version 1.0, u32 in 2.0 and 3.0), the header (a
 * Python dict literal {'descr': '<i4', 'fortran_order': False, 'shape': (3, 4), } in Latin-1, or
 * UTF-8 in 3.0, padded with spaces and ended by '\n'), then the raw elements, count * itemsize
 * bytes, in C (row-major) or Fortran (column-major) order. The reader accepts versions 1.0, 2.0
 * and 3.0, either byte order, either storage order, the dtypes bool, int8..int64, uint8..uint64,
 * float16/32/64 and the string dtypes 'U' (UCS-4) and 'S' (bytes); it refuses object arrays
 * (pickles), structured, complex and date dtypes, and a data part whose size is not exactly what
 * the shape needs. The writer writes version 1.0, little-endian, C order, header padded so the
 * data starts at a multiple of 64 bytes, as numpy.save does.
 *
 * .npz (numpy.savez / savez_compressed): a zip archive whose member NAME.npy holds array NAME.
 * The reader takes the central directory as authoritative (as Python's zipfile does): stored
 * (method 0) and deflated (method 8, raw inflate) members, ZIP64 extra fields in the central
 * directory and in local headers (numpy opens every member with force_zip64=True, so local
 * headers announce sizes 0xFFFFFFFF), the ZIP64 end of central directory, and data descriptors
 * (bit 3 of the flags). Every offset and size from a header is checked against the archive's
 * actual size before it is used; a deflated member is inflated into a buffer grown only as data
 * actually comes out, never beyond its announced size nor the caller's limit, and its CRC-32 is
 * checked. The writer writes a plain stored zip (no compression, CRC-32 from zlib, fixed
 * 1980-01-01 time stamps so equal models give equal files), atomically (util/io.h). */
#ifndef NANOCIM_NPY_H
#define NANOCIM_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "nanocim/error.h"
#include "util/binfile.h"
#include "util/io.h"

#ifdef __cplusplus
extern "C" {
#endif

/* numpy's own limit on dimensions (NPY_MAXDIMS of numpy 1.x). */
#define NCM_NPY_MAXDIM 32

/* One parsed .npy array. data points into the buffer parsed (or into `owned`). */
typedef struct {
    char kind;      /* 'b' bool, 'i' signed, 'u' unsigned, 'f' float, 'U' UCS-4 text, 'S' bytes */
    int itemsize;   /* bytes per element (a 'U' element of n characters has 4 n) */
    int big_endian; /* byte order of the elements */
    int fortran;    /* 1: column-major storage */
    int version;    /* format major version: 1, 2 or 3 */
    int ndim;
    int64_t shape[NCM_NPY_MAXDIM];
    int64_t count;       /* number of elements (product of shape; 1 for 0-d) */
    const uint8_t *data; /* count * itemsize bytes */
    uint8_t *owned;      /* buffer to free with the array (ncm_npy_release), or NULL */
} ncm_npy;

/* Parses a whole .npy image of len bytes; `name` (file or array name) starts every message.
 * The array borrows buf (a->owned stays NULL). */
ncm_status ncm_npy_parse(const uint8_t *buf, size_t len, const char *name, ncm_npy *a,
                         ncm_error *err);
/* Frees a->owned and zeroes the struct. */
void ncm_npy_release(ncm_npy *a);

/* Outcome of reading an element as an integer. */
enum {
    NCM_NPY_INT_OK = 0,
    NCM_NPY_INT_FRACTION, /* a float with a fractional part */
    NCM_NPY_INT_NAN,      /* a float NaN */
    NCM_NPY_INT_RANGE,    /* an infinity, or a value outside int64 */
    NCM_NPY_INT_KIND      /* not a number dtype (bool, strings) */
};
/* Element i, counted in C order whatever the storage order, of a bool, integer or float array:
 * as an exact integer (NCM_NPY_INT_* outcome) or as a double (NaN for a non-number dtype). */
int ncm_npy_get_int(const ncm_npy *a, int64_t i, int64_t *v);
double ncm_npy_get_double(const ncm_npy *a, int64_t i);
/* The text of a string array with one element ('U': UCS-4 to UTF-8; 'S': the bytes), cut at the
 * first NUL as numpy does; malloc'd into *out. Refuses other dtypes and invalid code points. */
ncm_status ncm_npy_get_string(const ncm_npy *a, const char *name, char **out, ncm_error *err);

/* Python's repr of a shape: "()", "(3,)", "(10, 256)". */
void ncm_npy_shape_str(int ndim, const int64_t *shape, char *buf, size_t n);
/* Multi-index of element i (C order) as "(3, 17)" ("()" for a 0-d array). */
void ncm_npy_index_str(const ncm_npy *a, int64_t i, char *buf, size_t n);
/* numpy's name of the dtype: "int8", "float32", "bool", ">i4" for big-endian, "<U13", "|S4". */
void ncm_npy_dtype_str(const ncm_npy *a, char *buf, size_t n);

/* Appends a .npy image to w: version 1.0, C order, little-endian elements. kind 'i', 'u' or
 * 'f' with itemsize 1, 2, 4 or 8; data holds count native-endian elements. */
void ncm_npy_encode(ncm_wbuf *w, char kind, int itemsize, int ndim, const int64_t *shape,
                    const void *data);
/* Appends a 0-d unicode array (dtype '<Un') holding the UTF-8 text s (invalid bytes become
 * U+FFFD), as numpy stores a Python str. */
void ncm_npy_encode_string(ncm_wbuf *w, const char *s);

/* A standalone .npy file: read whole (a->owned holds the file), or written atomically. */
ncm_status ncm_npy_read_file(const char *path, ncm_npy *a, ncm_error *err);
ncm_status ncm_npy_write_file(const char *path, const ncm_wbuf *npy, ncm_error *err);

/* ---- zip archives ------------------------------------------------------------------------- */

typedef struct {
    char *name;
    int method;      /* 0 stored, 8 deflated */
    unsigned flags;  /* general purpose bits */
    uint32_t crc;    /* CRC-32 of the uncompressed data */
    uint64_t csize;  /* compressed size */
    uint64_t usize;  /* uncompressed size */
    uint64_t offset; /* of the local header */
} ncm_zip_entry;

typedef struct {
    char *path;    /* the archive's name, for messages */
    uint8_t *data; /* the whole archive */
    size_t len;
    int n;
    ncm_zip_entry *entry;
} ncm_zip;

/* Reads a zip archive and its central directory; refuses a truncated archive (no end of
 * central directory), entries pointing outside the file, encrypted, multi-disk or duplicate
 * members, and methods other than stored and deflate. */
ncm_status ncm_zip_open(const char *path, ncm_zip *z, ncm_error *err);
/* The same on an archive already in memory: takes over data (malloc'd), freed by
 * ncm_zip_close even on failure; `label` names it in messages. */
ncm_status ncm_zip_open_mem(const char *label, uint8_t *data, size_t len, ncm_zip *z,
                            ncm_error *err);
void ncm_zip_close(ncm_zip *z);
/* Index of the member called name, or -1. */
int ncm_zip_find(const ncm_zip *z, const char *name);
/* Member i's uncompressed bytes. A stored member points into the archive (*owned = NULL); a
 * deflated one is inflated into a malloc'd buffer (*owned, free it). Refuses a member announced
 * larger than max_size bytes before allocating anything, a member reaching past the archive, a
 * local header that disagrees with the directory, a corrupt deflate stream, a size other than
 * announced, and a CRC-32 mismatch. */
ncm_status ncm_zip_read(const ncm_zip *z, int i, uint64_t max_size, const uint8_t **out,
                        size_t *len, uint8_t **owned, ncm_error *err);

/* Array `key` of an .npz archive (member key.npy), at most max_size bytes of .npy: a missing
 * member is NCM_ERR_FORMAT "PATH: missing array 'key'". Release it with ncm_npy_release; it
 * may point into the archive, which must stay open while it is used. */
ncm_status ncm_npz_get(const ncm_zip *z, const char *key, uint64_t max_size, ncm_npy *a,
                       ncm_error *err);

/* Writer of stored zip archives (atomic: a temporary file renamed on commit). */
typedef struct {
    ncm_afile f;
    uint64_t pos; /* bytes written so far */
    ncm_wbuf cd;  /* central directory being built */
    int n;        /* members so far */
} ncm_zip_writer;

ncm_status ncm_zipw_open(ncm_zip_writer *w, const char *path, ncm_error *err);
/* Adds a stored member; the archive is limited to 4 GiB and 65535 members (no ZIP64). On
 * failure the writer is aborted (nothing to clean up). */
ncm_status ncm_zipw_add(ncm_zip_writer *w, const char *name, const void *data, size_t len,
                        ncm_error *err);
/* Writes the central directory and renames the file into place; aborted on failure. */
ncm_status ncm_zipw_commit(ncm_zip_writer *w, ncm_error *err);
/* Removes the temporary file; safe on an aborted or committed writer. */
void ncm_zipw_abort(ncm_zip_writer *w);
/* Adds the .npy image npy as member key.npy (w->oom of npy is reported as out of memory). */
ncm_status ncm_npz_add(ncm_zip_writer *w, const char *key, const ncm_wbuf *npy, ncm_error *err);

#ifdef __cplusplus
}
#endif
#endif
