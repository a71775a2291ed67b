/* The export macro of the nanocim library.
 *
 * The shared library is built with -fvisibility=hidden: only the functions a public header marks
 * NCM_API are exported, so internal helpers shared between the library's own files never become
 * part of the ABI. Every public header includes this one. */
#ifndef NANOCIM_API_H
#define NANOCIM_API_H

#if defined(__GNUC__) || defined(__clang__)
#define NCM_API __attribute__((visibility("default")))
#else
#define NCM_API
#endif

#endif
