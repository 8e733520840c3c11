// SentencePiece-style encoding as llama.cpp does it: start from UTF-8 characters and repeatedly merge the
// adjacent pair whose concatenation is the highest-scoring vocab entry (ties: leftmost); characters that end
// up outside the vocab are spelled with <0xNN> byte tokens.
#include <queue>

#include "tokenizer/unicode.h"
#include "tokenizer/vocab.h"

namespace ingot::tok {
namespace {

struct Symbol {
  int32_t prev;
  int32_t next;
  size_t start;  // byte offset in the text
  size_t len;    // 0 once merged into its left neighbour
};

struct Bigram {
  float score;
  int32_t left;
  int32_t right;
  size_t len;  // byte length of the pair when it was queued; a mismatch later means it is stale
};

struct BigramOrder {
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

}  // namespace

void EncodeSpm(const Vocab& vocab, std::string_view text, std::vector<int32_t>* out) {
  std::vector<Symbol> symbols;
  symbols.reserve(text.size());
  for (size_t offs = 0; offs < text.size();) {
    const size_t len = std::min(Utf8SeqLen(static_cast<uint8_t>(text[offs])), text.size() - offs);
    const int32_t index = static_cast<int32_t>(symbols.size());
    symbols.push_back(Symbol{index - 1, offs + len == text.size() ? -1 : index + 1, offs, len});
    offs += len;
  }

  std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue;
  auto try_add = [&](int32_t left, int32_t right) {
    if (left < 0 || right < 0) return;
    const size_t len = symbols[left].len + symbols[right].len;
    const int32_t id = vocab.Find(text.substr(symbols[left].start, len));
    if (id < 0) return;
    queue.push(Bigram{vocab.score[id], left, right, len});
  };
  for (int32_t i = 1; i < static_cast<int32_t>(symbols.size()); ++i) try_add(i - 1, i);

  while (!queue.empty()) {
    const Bigram b = queue.top();
    queue.pop();
    Symbol& left = symbols[b.left];
    Symbol& right = symbols[b.right];
    if (left.len == 0 || right.len == 0 || left.len + right.len != b.len) continue;
    left.len += right.len;
    right.len = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = b.left;
    try_add(left.prev, b.left);
    try_add(b.left, left.next);
  }

  for (int32_t i = symbols.empty() ? -1 : 0; i != -1; i = symbols[i].next) {
    const Symbol& s = symbols[i];
    const int32_t id = vocab.Find(text.substr(s.start, s.len));
    if (id >= 0) {
      out->push_back(id);
      continue;
    }
    // Only single characters can miss the vocab (every merge produced a vocab entry): spell them in bytes.
    for (size_t k = 0; k < s.len; ++k) {
      const int32_t byte_id = vocab.byte_token[static_cast<uint8_t>(text[s.start + k])];
      if (byte_id >= 0) {
        out->push_back(byte_id);
      } else if (vocab.unk >= 0) {
        out->push_back(vocab.unk);
      }
    }
  }
}

}  // namespace ingot::tok
