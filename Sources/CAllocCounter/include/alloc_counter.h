#ifndef TSR_ALLOC_COUNTER_H
#define TSR_ALLOC_COUNTER_H
#include <stdint.h>

/// Number of heap allocations (malloc, calloc, realloc, aligned variants) made by the process so far.
/// Only meaningful in an executable that links this target: it replaces glibc's allocation entry
/// points with counting wrappers around glibc's own implementations.
uint64_t tsr_alloc_count(void);

#endif
