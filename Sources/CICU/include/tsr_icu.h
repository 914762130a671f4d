// Plain-C wrapper over the few ICU calls Tessera needs. Only <stdint.h> and
// <stddef.h> types cross this header, so Swift modules that also import
// Foundation never see ICU's own headers.
#ifndef TSR_ICU_H
#define TSR_ICU_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    TSR_OK = 0,
    TSR_ERR_INVALID_UTF8 = -1,
    TSR_ERR_BUFFER_TOO_SMALL = -2,
    TSR_ERR_ICU = -3,
};

/// Tessera's text normalization of one line of UTF-8: NFKC, then control and
/// format (zero-width) characters removed, whitespace runs collapsed to one
/// ASCII space, leading and trailing whitespace trimmed, and U+2581 (reserved
/// by SentencePiece as its space marker) replaced by '_'.
/// Returns the output length in bytes (no terminator written), or a negative
/// TSR_ERR_* code. On TSR_ERR_BUFFER_TOO_SMALL, *needed holds the size to use.
int64_t tsr_normalize_line(const char *in, size_t n, char *out, size_t cap, size_t *needed);

/// Unicode NFKC only, for callers that want ICU's normalizer without Tessera's
/// cleanup. Same return convention as tsr_normalize_line.
int64_t tsr_nfkc(const char *in, size_t n, char *out, size_t cap, size_t *needed);

/// ICU's general category (UCharCategory value) of a code point.
int32_t tsr_char_category(uint32_t code_point);

/// Nonzero when the code point is in Unicode's punctuation (P*) categories.
int32_t tsr_is_punctuation(uint32_t code_point);

/// Nonzero when the code point is in Unicode's symbol (S*) categories.
int32_t tsr_is_symbol(uint32_t code_point);

/// ICU's script code (UScriptCode) of a code point.
int32_t tsr_script(uint32_t code_point);

/// Nonzero when `code` (two or three lowercase letters) is an ISO 639 language
/// code that ICU knows.
int32_t tsr_is_known_language(const char *code);

/// Full Unicode lowercase mapping of one line of UTF-8 in the root locale
/// (context-sensitive final sigma included, no language-specific rules), the
/// mapping Python's str.lower() applies. Same return convention as
/// tsr_normalize_line.
int64_t tsr_lowercase(const char *in, size_t n, char *out, size_t cap, size_t *needed);

#ifdef __cplusplus
}
#endif
#endif
