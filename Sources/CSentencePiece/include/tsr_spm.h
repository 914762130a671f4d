// extern "C" face of SentencePiece. C++ exceptions and absl statuses never
// cross this boundary: every call returns 0 on success or -1 with a message
// the caller must free with tsr_spm_free.
#ifndef TSR_SPM_H
#define TSR_SPM_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tsr_spm tsr_spm;

/// Trains a model on `n` bytes of UTF-8 `sentences`, one per line as in a SentencePiece
/// input file, with `count` option names and values, e.g. ("vocab_size", "8000").
/// Nothing is read from or written to disk: *model receives the serialized model proto
/// (malloc'd, free with tsr_spm_free). A model saved by SentencePiece records its input
/// and output paths, so "input" and "model_prefix" are refused: the bytes depend only
/// on the sentences and options.
int32_t tsr_spm_train(const char *const *names, const char *const *values, size_t count,
                      const char *sentences, size_t n, char **model, size_t *bytes, char **error);

/// Loads a model file; *out is released with tsr_spm_close.
int32_t tsr_spm_load(const char *path, tsr_spm **out, char **error);
/// Loads a model from its serialized bytes.
int32_t tsr_spm_load_bytes(const char *data, size_t n, tsr_spm **out, char **error);
void tsr_spm_close(tsr_spm *model);

/// Encodes text to ids. Writes at most `cap` ids; *count receives the number of
/// ids the text needs, so a caller with too small a buffer can retry.
int32_t tsr_spm_encode_ids(const tsr_spm *model, const char *text, size_t n,
                           int32_t *ids, size_t cap, size_t *count, char **error);

/// Encodes text to pieces, returned as one malloc'd buffer of NUL-separated
/// pieces (free with tsr_spm_free) and their count.
int32_t tsr_spm_encode_pieces(const tsr_spm *model, const char *text, size_t n,
                              char **pieces, size_t *bytes, size_t *count, char **error);

/// Decodes ids to a malloc'd UTF-8 string (free with tsr_spm_free).
int32_t tsr_spm_decode_ids(const tsr_spm *model, const int32_t *ids, size_t n,
                           char **text, size_t *bytes, char **error);

int32_t tsr_spm_vocab_size(const tsr_spm *model);
/// Id of a piece, or the unknown id when the piece is not in the vocabulary.
int32_t tsr_spm_piece_to_id(const tsr_spm *model, const char *piece);
/// The piece of an id as a malloc'd string, or NULL for an out-of-range id.
char *tsr_spm_id_to_piece(const tsr_spm *model, int32_t id);
int32_t tsr_spm_unk_id(const tsr_spm *model);
int32_t tsr_spm_bos_id(const tsr_spm *model);
int32_t tsr_spm_eos_id(const tsr_spm *model);
int32_t tsr_spm_pad_id(const tsr_spm *model);
int32_t tsr_spm_is_byte(const tsr_spm *model, int32_t id);

/// The serialized model proto (malloc'd), for hashing or embedding.
int32_t tsr_spm_serialized(const tsr_spm *model, char **data, size_t *bytes, char **error);
/// The vocabulary as SentencePiece writes its .vocab file: one "piece\tscore\n" line
/// per id (malloc'd, free with tsr_spm_free).
int32_t tsr_spm_vocab_listing(const tsr_spm *model, char **text, size_t *bytes, char **error);

void tsr_spm_free(void *p);

#ifdef __cplusplus
}
#endif
#endif
