// Tokenizer: special-token partitioning and the encode/decode entry points (llama.cpp's tokenize and
// token_to_piece/detokenize rules), dispatching plain text to the SentencePiece or BPE algorithm.
#include "tokenizer/tokenizer.h"

#include <cctype>

#include "tokenizer/vocab.h"

namespace ingot::tok {
namespace {

// A piece of the input: plain text [offset, offset + length), or an already recognised token.
struct Fragment {
  int32_t token;  // -1 for text
  size_t offset;
  size_t length;
};

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

// Appends `s` with each space written as U+2581 (SentencePiece's visible space).
void AppendEscaped(std::string_view s, std::string* out) {
  for (const char c : s) {
    if (c == ' ') {
      *out += "\xE2\x96\x81";
    } else {
      out->push_back(c);
    }
  }
}

// Splits text fragments around every occurrence of each special token, longest tokens first.
std::vector<Fragment> Partition(const Vocab& vocab, std::string_view text, bool parse_special) {
  std::vector<Fragment> frags;
  if (text.empty()) return frags;
  frags.push_back(Fragment{-1, 0, text.size()});
  std::vector<Fragment> next;
  for (const int32_t id : vocab.special_tokens) {
    const uint32_t a = vocab.attrs[id];
    if (!parse_special && (a & (attr::kControl | attr::kUnknown))) continue;
    const std::string& tok = vocab.text[id];
    if (text.find(tok) == std::string_view::npos) continue;
    next.clear();
    for (const Fragment& f : frags) {
      if (f.token >= 0) {
        next.push_back(f);
        continue;
      }
      size_t base = f.offset;
      size_t end = f.offset + f.length;
      while (base < end) {
        const size_t match = text.substr(0, end).find(tok, base);
        if (match == std::string_view::npos) {
          next.push_back(Fragment{-1, base, end - base});
          break;
        }
        size_t left_end = match;
        if (a & attr::kLstrip) {
          while (left_end > base && IsSpace(text[left_end - 1])) --left_end;
        }
        if (left_end > base) next.push_back(Fragment{-1, base, left_end - base});
        next.push_back(Fragment{id, 0, 0});
        base = match + tok.size();
        if (a & attr::kRstrip) {
          while (base < end && IsSpace(text[base])) ++base;
        }
      }
    }
    frags.swap(next);
  }
  return frags;
}

}  // namespace

Tokenizer::Tokenizer(std::unique_ptr<const Vocab> vocab) : vocab_(std::move(vocab)) {}
Tokenizer::~Tokenizer() = default;

Result<std::unique_ptr<Tokenizer>> Tokenizer::FromSpec(VocabSpec spec) {
  INGOT_ASSIGN_OR_RETURN(std::unique_ptr<Vocab> vocab, BuildVocab(std::move(spec)));
  return std::unique_ptr<Tokenizer>(new Tokenizer(std::move(vocab)));
}

std::vector<int32_t> Tokenizer::Encode(std::string_view text, bool add_special, bool parse_special) const {
  const Vocab& v = *vocab_;
  std::vector<int32_t> out;
  if (add_special && v.add_bos) out.push_back(v.bos);
  const std::vector<Fragment> frags = Partition(v, text, parse_special);
  if (v.kind == ModelKind::kSpm) {
    // A space is prefixed to the text at the start and after every special token.
    bool prev_special = true;
    std::string escaped;
    for (const Fragment& f : frags) {
      if (f.token >= 0) {
        out.push_back(f.token);
        prev_special = true;
        continue;
      }
      escaped.clear();
      if (v.add_space_prefix && prev_special) escaped += "\xE2\x96\x81";
      AppendEscaped(text.substr(f.offset, f.length), &escaped);
      EncodeSpm(v, escaped, &out);
      prev_special = false;
    }
  } else {
    std::string escaped;
    for (const Fragment& f : frags) {
      if (f.token >= 0) {
        out.push_back(f.token);
      } else if (v.escape_spaces) {
        escaped.clear();
        AppendEscaped(text.substr(f.offset, f.length), &escaped);
        EncodeBpe(v, escaped, &out);
      } else {
        EncodeBpe(v, text.substr(f.offset, f.length), &out);
      }
    }
  }
  if (add_special && v.add_eos) out.push_back(v.eos);
  return out;
}

std::string Tokenizer::TokenToPiece(int32_t id) const {
  if (!vocab_->valid(id) || (vocab_->attrs[id] & (attr::kUnknown | attr::kControl))) return "";
  return vocab_->pieces[id];
}

std::string Tokenizer::TokenText(int32_t id) const { return vocab_->valid(id) ? vocab_->text[id] : ""; }

std::string Tokenizer::Decode(const std::vector<int32_t>& ids, bool remove_leading_space, bool render_special) const {
  const Vocab& v = *vocab_;
  size_t strip_at = ids.size();
  if (remove_leading_space && v.add_space_prefix) strip_at = !ids.empty() && ids[0] == v.bos ? 1 : 0;
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i) {
    const int32_t id = ids[i];
    if (!v.valid(id)) continue;
    if (!render_special && (v.attrs[id] & (attr::kUnknown | attr::kControl))) continue;
    const std::string& piece = v.pieces[id];
    out.append(piece, i == strip_at && !piece.empty() && piece[0] == ' ' ? 1 : 0);
  }
  return out;
}

int32_t Tokenizer::n_vocab() const { return vocab_->n_vocab(); }
int32_t Tokenizer::bos() const { return vocab_->bos; }
int32_t Tokenizer::eos() const { return vocab_->eos; }
int32_t Tokenizer::eot() const { return vocab_->eot; }
int32_t Tokenizer::unk() const { return vocab_->unk; }
int32_t Tokenizer::pad() const { return vocab_->pad; }
bool Tokenizer::add_bos() const { return vocab_->add_bos; }
bool Tokenizer::add_eos() const { return vocab_->add_eos; }
bool Tokenizer::add_space_prefix() const { return vocab_->add_space_prefix; }
bool Tokenizer::IsEog(int32_t id) const { return vocab_->valid(id) && vocab_->eog[id]; }
bool Tokenizer::IsControl(int32_t id) const { return vocab_->valid(id) && (vocab_->attrs[id] & attr::kControl); }
TokenType Tokenizer::token_type(int32_t id) const {
  return vocab_->valid(id) ? vocab_->type[id] : TokenType::kUndefined;
}

std::optional<int32_t> Tokenizer::FindToken(std::string_view text) const {
  const int32_t id = vocab_->Find(text);
  return id >= 0 ? std::optional<int32_t>(id) : std::nullopt;
}

std::string_view Tokenizer::model() const { return vocab_->model_name; }
std::string_view Tokenizer::pre() const { return vocab_->pre_name; }

}  // namespace ingot::tok
