// BPE encoding as llama.cpp does it: pre-tokenize into words, map each word's bytes to GPT-2's printable
// alphabet (byte-level vocabs) or keep its UTF-8 characters (Gemma 4), then repeatedly merge the adjacent pair
// with the lowest merge rank (ties: leftmost). Pairs are compared by symbol ids instead of strings (see
// Vocab::merges), which gives the same merges.
#include <queue>

#include "tokenizer/unicode.h"
#include "tokenizer/vocab.h"

namespace ingot::tok {
namespace {

struct Symbol {
  int32_t sid;   // symbol id of the current text, -1 if the text is in neither vocab nor merges
  int32_t prev;
  int32_t next;
  uint32_t start;  // first byte of the word covered
  uint32_t len;    // bytes covered; 0 once merged into the left neighbour
};

struct Pair {
  int32_t rank;
  int32_t left;
  int32_t right;
  int32_t right_sid;  // the right symbol's id when queued; if it changed since, the pair is stale
  int32_t result;
};

struct PairOrder {
  bool operator()(const Pair& a, const Pair& b) const {
    return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
  }
};

int32_t SymbolId(const Vocab& vocab, std::string_view s) {
  const int32_t id = vocab.Find(s);
  if (id >= 0) return id;
  const auto it = vocab.extra_ids.find(std::string(s));
  return it == vocab.extra_ids.end() ? -1 : it->second;
}

// Initial symbols: one per byte (byte-level vocabs) or per UTF-8 character.
void InitSymbols(const Vocab& vocab, std::string_view word, std::vector<Symbol>& symbols) {
  symbols.clear();
  for (size_t offs = 0; offs < word.size();) {
    const size_t len =
        vocab.byte_level ? 1 : std::min(Utf8SeqLen(static_cast<uint8_t>(word[offs])), word.size() - offs);
    const int32_t sid = vocab.byte_level ? vocab.byte_sid[static_cast<uint8_t>(word[offs])]
                                         : SymbolId(vocab, word.substr(offs, len));
    const int32_t index = static_cast<int32_t>(symbols.size());
    symbols.push_back(Symbol{sid, index - 1, offs + len == word.size() ? -1 : index + 1,
                             static_cast<uint32_t>(offs), static_cast<uint32_t>(len)});
    offs += len;
  }
}

// Encodes one pre-tokenized word (raw UTF-8 bytes).
void EncodeWord(const Vocab& vocab, std::string_view word, std::vector<Symbol>& symbols, std::string& spelled,
                std::vector<int32_t>* out) {
  if (vocab.byte_level) {
    spelled.clear();
    for (const char c : word) spelled += vocab.byte_char[static_cast<uint8_t>(c)];
    if (vocab.pre.ignore_merges) {
      const int32_t id = vocab.Find(spelled);
      if (id >= 0) {
        out->push_back(id);
        return;
      }
    }
  } else if (word.find_first_not_of('\n') == std::string_view::npos) {
    // Gemma 4: a run of newlines that is a token stays whole (llama.cpp special-cases it).
    const int32_t id = vocab.Find(word);
    if (id >= 0) {
      out->push_back(id);
      return;
    }
  }

  InitSymbols(vocab, word, symbols);
  const int32_t n = static_cast<int32_t>(symbols.size());
  std::priority_queue<Pair, std::vector<Pair>, PairOrder> queue;
  auto try_add = [&](int32_t left, int32_t right) {
    if (left < 0 || right < 0 || symbols[left].sid < 0 || symbols[right].sid < 0) return;
    const uint64_t key = (static_cast<uint64_t>(symbols[left].sid) << 32) | static_cast<uint32_t>(symbols[right].sid);
    const auto it = vocab.merges.find(key);
    if (it == vocab.merges.end()) return;
    queue.push(Pair{it->second.rank, left, right, symbols[right].sid, it->second.result});
  };
  for (int32_t i = 1; i < n; ++i) try_add(i - 1, i);

  while (!queue.empty()) {
    const Pair p = queue.top();
    queue.pop();
    Symbol& left = symbols[p.left];
    Symbol& right = symbols[p.right];
    if (left.len == 0 || right.len == 0 || right.sid != p.right_sid) continue;
    left.sid = p.result;
    left.len += right.len;
    right.len = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = p.left;
    try_add(left.prev, p.left);
    try_add(p.left, left.next);
  }

  for (int32_t i = n == 0 ? -1 : 0; i != -1; i = symbols[i].next) {
    const Symbol& s = symbols[i];
    if (vocab.valid(s.sid)) {
      out->push_back(s.sid);
      continue;
    }
    if (!vocab.byte_level) {
      for (uint32_t k = 0; k < s.len; ++k) {
        const int32_t id = vocab.byte_token[static_cast<uint8_t>(word[s.start + k])];
        if (id >= 0) out->push_back(id);
      }
      continue;
    }
    // Not a vocab entry: llama.cpp looks up each byte of the spelled text as a one-byte token.
    std::string text;
    for (uint32_t k = 0; k < s.len; ++k) text += vocab.byte_char[static_cast<uint8_t>(word[s.start + k])];
    for (const char c : text) {
      const int32_t id = vocab.Find(std::string_view(&c, 1));
      if (id >= 0) out->push_back(id);
    }
  }
}

}  // namespace

void EncodeBpe(const Vocab& vocab, std::string_view text, std::vector<int32_t>* out) {
  const std::vector<uint32_t> cps = DecodeUtf8(text);
  const std::vector<size_t> words = PreTokenize(vocab.pre.kind, cps);
  std::vector<Symbol> symbols;
  std::string spelled, word;
  size_t start = 0;
  for (const size_t len : words) {
    word.clear();
    for (size_t i = start; i < start + len; ++i) AppendUtf8(cps[i], &word);
    EncodeWord(vocab, word, symbols, spelled, out);
    start += len;
  }
}

}  // namespace ingot::tok
