#include "tsr_spm.h"

#include <cstdlib>
#include <cstring>
#include <exception>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

struct tsr_spm {
    sentencepiece::SentencePieceProcessor processor;
};

namespace {

char *copy_string(const std::string &s) {
    char *p = static_cast<char *>(std::malloc(s.size() + 1));
    if (p) {
        std::memcpy(p, s.data(), s.size());
        p[s.size()] = '\0';
    }
    return p;
}

int32_t fail(char **error, const std::string &message) {
    if (error) *error = copy_string(message);
    return -1;
}

// Hands `s` to the caller as a malloc'd buffer (one spare byte, so even an empty
// string gets a non-NULL pointer).
int32_t give_bytes(const std::string &s, char **data, size_t *bytes, char **error) {
    char *buffer = static_cast<char *>(std::malloc(s.size() + 1));
    if (!buffer) return fail(error, "out of memory");
    std::memcpy(buffer, s.data(), s.size());
    *data = buffer;
    *bytes = s.size();
    return 0;
}

// Yields the lines of a buffer, split at '\n' as SentencePiece splits an input file.
class LineIterator : public sentencepiece::SentenceIterator {
public:
    LineIterator(const char *data, size_t n) : next_(data), end_(data + n) { Next(); }
    bool done() const override { return done_; }
    void Next() override {
        if (next_ == end_) {
            done_ = true;
            return;
        }
        const auto *newline = static_cast<const char *>(std::memchr(next_, '\n', end_ - next_));
        const char *stop = newline ? newline : end_;
        line_.assign(next_, stop);
        next_ = newline ? newline + 1 : end_;
    }
    const std::string &value() const override { return line_; }
    sentencepiece::util::Status status() const override { return sentencepiece::util::Status(); }

private:
    const char *next_;
    const char *end_;
    std::string line_;
    bool done_ = false;
};

// Runs body, turning a failed status or any C++ exception into -1 + message.
template <typename Body>
int32_t guarded(char **error, Body body) {
    try {
        const auto status = body();
        if (!status.ok()) return fail(error, status.ToString());
        return 0;
    } catch (const std::exception &e) {
        return fail(error, e.what());
    } catch (...) {
        return fail(error, "unknown C++ exception in SentencePiece");
    }
}

}  // namespace

extern "C" {

int32_t tsr_spm_train(const char *const *names, const char *const *values, size_t count,
                      const char *sentences, size_t n, char **model, size_t *bytes, char **error) {
    std::string proto;
    int32_t rc = guarded(error, [&] {
        std::unordered_map<std::string, std::string> options;
        for (size_t i = 0; i < count; i++) options[names[i]] = values[i];
        for (const char *path : {"input", "model_prefix"})
            if (options.count(path))
                return sentencepiece::util::Status(sentencepiece::util::StatusCode::kInvalidArgument,
                                                   std::string(path) + " is not allowed: training reads sentences from memory");
        LineIterator lines(sentences, n);
        return sentencepiece::SentencePieceTrainer::Train(options, &lines, &proto);
    });
    if (rc != 0) return rc;
    return give_bytes(proto, model, bytes, error);
}

int32_t tsr_spm_load(const char *path, tsr_spm **out, char **error) {
    auto *model = new (std::nothrow) tsr_spm();
    if (!model) return fail(error, "out of memory");
    int32_t rc = guarded(error, [&] { return model->processor.Load(path); });
    if (rc != 0) { delete model; return rc; }
    *out = model;
    return 0;
}

int32_t tsr_spm_load_bytes(const char *data, size_t n, tsr_spm **out, char **error) {
    auto *model = new (std::nothrow) tsr_spm();
    if (!model) return fail(error, "out of memory");
    int32_t rc = guarded(error, [&] {
        return model->processor.LoadFromSerializedProto(std::string(data, n));
    });
    if (rc != 0) { delete model; return rc; }
    *out = model;
    return 0;
}

void tsr_spm_close(tsr_spm *model) { delete model; }

int32_t tsr_spm_encode_ids(const tsr_spm *model, const char *text, size_t n,
                           int32_t *ids, size_t cap, size_t *count, char **error) {
    std::vector<int> result;
    int32_t rc = guarded(error, [&] {
        return model->processor.Encode(std::string(text, n), &result);
    });
    if (rc != 0) return rc;
    *count = result.size();
    for (size_t i = 0; i < result.size() && i < cap; i++) ids[i] = result[i];
    return 0;
}

int32_t tsr_spm_encode_pieces(const tsr_spm *model, const char *text, size_t n,
                              char **pieces, size_t *bytes, size_t *count, char **error) {
    std::vector<std::string> result;
    int32_t rc = guarded(error, [&] {
        return model->processor.Encode(std::string(text, n), &result);
    });
    if (rc != 0) return rc;
    std::string joined;
    for (const auto &p : result) {
        joined += p;
        joined.push_back('\0');
    }
    char *buffer = static_cast<char *>(std::malloc(joined.size() + 1));
    if (!buffer) return fail(error, "out of memory");
    std::memcpy(buffer, joined.data(), joined.size());
    *pieces = buffer;
    *bytes = joined.size();
    *count = result.size();
    return 0;
}

int32_t tsr_spm_decode_ids(const tsr_spm *model, const int32_t *ids, size_t n,
                           char **text, size_t *bytes, char **error) {
    std::string result;
    const int32_t size = model->processor.GetPieceSize();
    for (size_t i = 0; i < n; i++)
        if (ids[i] < 0 || ids[i] >= size)
            return fail(error, "id " + std::to_string(ids[i]) + " is outside the vocabulary");
    std::vector<int> input(ids, ids + n);
    int32_t rc = guarded(error, [&] { return model->processor.Decode(input, &result); });
    if (rc != 0) return rc;
    *text = copy_string(result);
    if (!*text) return fail(error, "out of memory");
    *bytes = result.size();
    return 0;
}

int32_t tsr_spm_vocab_size(const tsr_spm *model) { return model->processor.GetPieceSize(); }

int32_t tsr_spm_piece_to_id(const tsr_spm *model, const char *piece) {
    return model->processor.PieceToId(piece);
}

char *tsr_spm_id_to_piece(const tsr_spm *model, int32_t id) {
    if (id < 0 || id >= model->processor.GetPieceSize()) return nullptr;
    return copy_string(model->processor.IdToPiece(id));
}

int32_t tsr_spm_unk_id(const tsr_spm *model) { return model->processor.unk_id(); }
int32_t tsr_spm_bos_id(const tsr_spm *model) { return model->processor.bos_id(); }
int32_t tsr_spm_eos_id(const tsr_spm *model) { return model->processor.eos_id(); }
int32_t tsr_spm_pad_id(const tsr_spm *model) { return model->processor.pad_id(); }

int32_t tsr_spm_is_byte(const tsr_spm *model, int32_t id) {
    if (id < 0 || id >= model->processor.GetPieceSize()) return 0;
    return model->processor.IsByte(id) ? 1 : 0;
}

int32_t tsr_spm_serialized(const tsr_spm *model, char **data, size_t *bytes, char **error) {
    const std::string proto = model->processor.serialized_model_proto();
    if (proto.empty()) return fail(error, "no model loaded");
    return give_bytes(proto, data, bytes, error);
}

int32_t tsr_spm_vocab_listing(const tsr_spm *model, char **text, size_t *bytes, char **error) {
    // The score goes through operator<< on a float, as in SentencePiece's own .vocab
    // writer, so the listing is byte-identical to the file its trainer would save.
    std::string listing;
    int32_t rc = guarded(error, [&] {
        std::ostringstream out;
        for (int id = 0; id < model->processor.GetPieceSize(); id++)
            out << model->processor.IdToPiece(id) << '\t' << model->processor.GetScore(id) << '\n';
        listing = out.str();
        return sentencepiece::util::Status();
    });
    if (rc != 0) return rc;
    return give_bytes(listing, text, bytes, error);
}

void tsr_spm_free(void *p) { std::free(p); }

}  // extern "C"
