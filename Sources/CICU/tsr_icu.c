#include "tsr_icu.h"

#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/uloc.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

// UTF-16 scratch space grows on demand; one pair of buffers per thread so the
// normalizer can run from concurrentPerform without locks.
static _Thread_local UChar *scratch_a = NULL, *scratch_b = NULL;
static _Thread_local int32_t scratch_cap = 0;

static int reserve_scratch(int32_t units) {
    if (units <= scratch_cap) return 1;
    int32_t cap = units < 256 ? 256 : units * 2;
    UChar *a = realloc(scratch_a, sizeof(UChar) * (size_t)cap);
    if (!a) return 0;
    scratch_a = a;
    UChar *b = realloc(scratch_b, sizeof(UChar) * (size_t)cap);
    if (!b) return 0;
    scratch_b = b;
    scratch_cap = cap;
    return 1;
}

// Decodes UTF-8 into scratch_a. Returns the length in UTF-16 units or a TSR_ERR_* code.
static int32_t decode_utf8(const char *in, size_t n) {
    if (n > (size_t)INT32_MAX / 4) return TSR_ERR_BUFFER_TOO_SMALL;
    // UTF-16 never needs more units than UTF-8 has bytes.
    if (!reserve_scratch((int32_t)n + 1)) return TSR_ERR_ICU;
    UErrorCode status = U_ZERO_ERROR;
    int32_t len16 = 0;
    u_strFromUTF8(scratch_a, scratch_cap, &len16, in, (int32_t)n, &status);
    if (status == U_INVALID_CHAR_FOUND || status == U_ILLEGAL_CHAR_FOUND) return TSR_ERR_INVALID_UTF8;
    if (U_FAILURE(status)) return TSR_ERR_ICU;
    return len16;
}

// Decodes UTF-8 into scratch_a and NFKC-normalizes into scratch_b.
// Returns the normalized length in UTF-16 units or a TSR_ERR_* code.
static int32_t nfkc_utf16(const char *in, size_t n) {
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2 *nfkc = unorm2_getNFKCInstance(&status);
    if (U_FAILURE(status)) return TSR_ERR_ICU;
    int32_t len16 = decode_utf8(in, n);
    if (len16 < 0) return len16;
    for (;;) {
        status = U_ZERO_ERROR;
        int32_t out = unorm2_normalize(nfkc, scratch_a, len16, scratch_b, scratch_cap, &status);
        if (status == U_BUFFER_OVERFLOW_ERROR) {
            // Keep scratch_a's contents: grow only scratch_b.
            UChar *b = realloc(scratch_b, sizeof(UChar) * (size_t)(out + 1));
            if (!b) return TSR_ERR_ICU;
            scratch_b = b;
            UChar *a = realloc(scratch_a, sizeof(UChar) * (size_t)(out + 1));
            if (!a) return TSR_ERR_ICU;
            scratch_a = a;
            scratch_cap = out + 1;
            continue;
        }
        if (U_FAILURE(status)) return TSR_ERR_ICU;
        return out;
    }
}

static int64_t to_utf8(const UChar *s, int32_t len, char *out, size_t cap, size_t *needed) {
    UErrorCode status = U_ZERO_ERROR;
    int32_t len8 = 0;
    int32_t cap32 = cap > (size_t)INT32_MAX ? INT32_MAX : (int32_t)cap;
    u_strToUTF8(out, cap32, &len8, s, len, &status);
    if (needed) *needed = (size_t)len8;
    if (status == U_BUFFER_OVERFLOW_ERROR) return TSR_ERR_BUFFER_TOO_SMALL;
    if (U_FAILURE(status) && status != U_STRING_NOT_TERMINATED_WARNING) return TSR_ERR_ICU;
    return len8;
}

int64_t tsr_nfkc(const char *in, size_t n, char *out, size_t cap, size_t *needed) {
    int32_t len = nfkc_utf16(in, n);
    if (len < 0) return len;
    return to_utf8(scratch_b, len, out, cap, needed);
}

static int is_space(UChar32 c) {
    return u_isUWhiteSpace(c) || c == 0x09 || c == 0x0A || c == 0x0B || c == 0x0C || c == 0x0D;
}

static int is_removed(UChar32 c) {
    int8_t cat = u_charType(c);
    return cat == U_CONTROL_CHAR || cat == U_FORMAT_CHAR;
}

int64_t tsr_normalize_line(const char *in, size_t n, char *out, size_t cap, size_t *needed) {
    int32_t len = nfkc_utf16(in, n);
    if (len < 0) return len;
    // Filter scratch_b into scratch_a in place order: the result never grows.
    int32_t w = 0;
    int pending_space = 0;
    for (int32_t i = 0; i < len;) {
        UChar32 c;
        U16_NEXT(scratch_b, i, len, c);
        if (is_space(c)) { pending_space = (w > 0); continue; }
        if (is_removed(c)) continue;
        // U+2581 is SentencePiece's word-boundary marker and would decode as a
        // space; mapping it to '_' keeps encode/decode an exact round trip.
        if (c == 0x2581) c = 0x5F;
        if (pending_space) { scratch_a[w++] = 0x20; pending_space = 0; }
        U16_APPEND_UNSAFE(scratch_a, w, c);
    }
    return to_utf8(scratch_a, w, out, cap, needed);
}

int32_t tsr_char_category(uint32_t code_point) { return u_charType((UChar32)code_point); }

int32_t tsr_is_punctuation(uint32_t code_point) { return u_ispunct((UChar32)code_point) ? 1 : 0; }

int32_t tsr_is_symbol(uint32_t code_point) {
    uint32_t mask = U_GC_SM_MASK | U_GC_SC_MASK | U_GC_SK_MASK | U_GC_SO_MASK;
    return (U_GET_GC_MASK((UChar32)code_point) & mask) ? 1 : 0;
}

int32_t tsr_script(uint32_t code_point) {
    UErrorCode status = U_ZERO_ERROR;
    UScriptCode s = uscript_getScript((UChar32)code_point, &status);
    return U_FAILURE(status) ? -1 : (int32_t)s;
}

int32_t tsr_is_known_language(const char *code) {
    if (!code) return 0;
    size_t n = strlen(code);
    if (n < 2 || n > 3) return 0;
    for (size_t i = 0; i < n; i++) if (code[i] < 'a' || code[i] > 'z') return 0;
    for (const char *const *p = uloc_getISOLanguages(); *p; p++)
        if (strcmp(*p, code) == 0) return 1;
    return 0;
}

int64_t tsr_lowercase(const char *in, size_t n, char *out, size_t cap, size_t *needed) {
    int32_t len16 = decode_utf8(in, n);
    if (len16 < 0) return len16;
    for (;;) {
        UErrorCode status = U_ZERO_ERROR;
        // "" is the root locale; NULL would pick up the process locale (e.g. Turkish dotless i).
        int32_t lowered = u_strToLower(scratch_b, scratch_cap, scratch_a, len16, "", &status);
        if (status == U_BUFFER_OVERFLOW_ERROR) {
            // realloc keeps scratch_a's contents, so the retry reads the same input.
            if (!reserve_scratch(lowered + 1)) return TSR_ERR_ICU;
            continue;
        }
        if (U_FAILURE(status)) return TSR_ERR_ICU;
        return to_utf8(scratch_b, lowered, out, cap, needed);
    }
}
