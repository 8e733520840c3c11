// Pre-tokenizer selection and the regex stages that llama.cpp runs through std::regex, re-implemented as
// hand-written matchers with the same leftmost-first, backtracking semantics. Character classes follow
// llama.cpp's category flags: \s = White_Space, \p{L} letters, \p{N} numbers, \p{P} punctuation.
#include "tokenizer/pretokenize.h"

#include <algorithm>
#include <array>

#include "tokenizer/unicode.h"

namespace ingot::tok {
namespace {

using Chunks = std::vector<size_t>;

// Length of the match starting at cps[pos] inside the chunk ending at `end`, or 0 for no match there.
using Matcher = size_t (*)(const std::vector<uint32_t>& cps, size_t pos, size_t end);

// One regex stage: within each chunk, matches become chunks and the text between matches stays as chunks too
// (std::regex_iterator plus llama.cpp's gap handling).
Chunks SplitByMatcher(const std::vector<uint32_t>& cps, const Chunks& in, Matcher match) {
  Chunks out;
  out.reserve(in.size());
  size_t start = 0;
  for (const size_t len : in) {
    const size_t end = start + len;
    size_t gap_start = start;
    size_t pos = start;
    while (pos < end) {
      const size_t n = match(cps, pos, end);
      if (n == 0) {
        ++pos;
        continue;
      }
      if (pos > gap_start) out.push_back(pos - gap_start);
      out.push_back(n);
      pos += n;
      gap_start = pos;
    }
    if (end > gap_start) out.push_back(end - gap_start);
    start = end;
  }
  return out;
}

bool Space(uint32_t c) { return IsWhitespace(c); }
bool Letter(uint32_t c) { return FlagsOf(c).letter(); }
bool Number(uint32_t c) { return FlagsOf(c).number(); }
bool Punct(uint32_t c) { return FlagsOf(c).punctuation() && !IsWhitespace(c); }
bool Other(uint32_t c) {  // [^\s\p{L}\p{N}]
  const CpFlags f = FlagsOf(c);
  return !f.whitespace() && !f.letter() && !f.number();
}
bool Newline(uint32_t c) { return c == '\r' || c == '\n'; }
bool AsciiDigit(uint32_t c) { return c >= '0' && c <= '9'; }

template <bool (*Pred)(uint32_t)>
size_t RunOf(const std::vector<uint32_t>& cps, size_t pos, size_t end) {
  size_t p = pos;
  while (p < end && Pred(cps[p])) ++p;
  return p - pos;
}

// \s?X+ : an optional whitespace character joined to a run of X.
template <bool (*Pred)(uint32_t)>
size_t SpaceThenRun(const std::vector<uint32_t>& cps, size_t pos, size_t end) {
  if (Space(cps[pos]) && pos + 1 < end && Pred(cps[pos + 1])) return 1 + RunOf<Pred>(cps, pos + 1, end);
  return RunOf<Pred>(cps, pos, end);
}

// [\p{P}\$\+<=>\^~\|]+ (and Falcon's variant that adds the backquote)
bool DefaultPunct(uint32_t c) {
  return Punct(c) || c == '$' || c == '+' || c == '<' || c == '=' || c == '>' || c == '^' || c == '~' || c == '|';
}
bool FalconPunct(uint32_t c) { return DefaultPunct(c) || c == '`'; }

size_t OneNumber(const std::vector<uint32_t>& cps, size_t pos, size_t) { return Number(cps[pos]) ? 1 : 0; }
size_t OneNewline(const std::vector<uint32_t>& cps, size_t pos, size_t) { return Newline(cps[pos]) ? 1 : 0; }

// [0-9][0-9][0-9]
size_t ThreeDigits(const std::vector<uint32_t>& cps, size_t pos, size_t end) {
  return pos + 3 <= end && AsciiDigit(cps[pos]) && AsciiDigit(cps[pos + 1]) && AsciiDigit(cps[pos + 2]) ? 3 : 0;
}

// [一-龥ࠀ-一가-퟿]+ (DeepSeek); non-ASCII whitespace never matches (llama.cpp masks it before matching).
bool Cjk(uint32_t c) {
  return ((c >= 0x4E00 && c <= 0x9FA5) || (c >= 0x0800 && c <= 0x4E00) || (c >= 0xAC00 && c <= 0xD7FF)) &&
         !IsWhitespace(c);
}

// DeepSeek LLM's letter class: the cased letters (its regex spells out the Lu/Ll/Lt ranges).
bool DeepseekLetter(uint32_t c) { return IsCasedLetter(c); }
// [!-/:-~！-／：-～‘-‟　-。] (U+3000 is whitespace, which llama.cpp masks before matching)
bool DeepseekPunct(uint32_t c) {
  return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x7E) || (c >= 0xFF01 && c <= 0xFF0F) ||
         (c >= 0xFF1A && c <= 0xFF5E) || (c >= 0x2018 && c <= 0x201F) || c == 0x3001 || c == 0x3002;
}

// [^\n]+|[\n]+
size_t NewlineRuns(const std::vector<uint32_t>& cps, size_t pos, size_t end) {
  const bool newline = cps[pos] == '\n';
  size_t p = pos;
  while (p < end && (cps[p] == '\n') == newline) ++p;
  return p - pos;
}

// \s+$ : trailing whitespace of the chunk.
size_t TrailingSpace(const std::vector<uint32_t>& cps, size_t pos, size_t end) {
  const size_t n = RunOf<Space>(cps, pos, end);
  return n > 0 && pos + n == end ? n : 0;
}

bool NewlineOrSlash(uint32_t c) { return Newline(c) || c == '/'; }

// " ?Sym+Trail*": an optional space, a run of symbol characters, then trailing characters.
template <bool (*Sym)(uint32_t), bool (*Trail)(uint32_t)>
size_t SymbolRun(const std::vector<uint32_t>& cps, size_t pos, size_t end) {
  size_t p = pos;
  if (cps[p] == ' ' && p + 1 < end && Sym(cps[p + 1])) ++p;
  if (!Sym(cps[p])) return 0;
  p += RunOf<Sym>(cps, p, end);
  p += RunOf<Trail>(cps, p, end);
  return p - pos;
}

// \s*[\r\n]+|\s+(?!\S)|\s+
size_t Spaces(const std::vector<uint32_t>& cps, size_t pos, size_t end) {
  const size_t n_ws = RunOf<Space>(cps, pos, end);
  if (n_ws == 0) return 0;
  for (size_t k = n_ws; k-- > 0;) {
    if (Newline(cps[pos + k])) return k + 1;  // \s* backs off to the last newline of the run
  }
  if (pos + n_ws == end) return n_ws;  // (?!\S) holds at the end of the chunk
  return n_ws >= 2 ? n_ws - 1 : n_ws;
}

// Shared tail of the Llama 3 family: " ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+" (GPT-4o and Tekken
// also let the symbol run end in slashes: [\r\n/]*).
template <bool (*Trail)(uint32_t) = Newline>
size_t SymbolsOrSpaces(const std::vector<uint32_t>& cps, size_t pos, size_t end) {
  if (const size_t n = SymbolRun<Other, Trail>(cps, pos, end)) return n;
  return Spaces(cps, pos, end);
}

// (?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])
size_t Contraction(const std::vector<uint32_t>& cps, size_t pos, size_t end) {
  if (cps[pos] != '\'' || pos + 1 >= end) return 0;
  auto fold = [](uint32_t c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; };
  const uint32_t a = fold(cps[pos + 1]);
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
  if (pos + 2 >= end) return 0;
  const uint32_t b = fold(cps[pos + 2]);
  return (a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l') ? 3 : 0;
}

// Qwen2: (?:contractions)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
size_t Qwen2(const std::vector<uint32_t>& cps, size_t pos, size_t end) {
  if (const size_t n = Contraction(cps, pos, end)) return n;
  const uint32_t c = cps[pos];
  if (Letter(c)) return RunOf<Letter>(cps, pos, end);
  if (!Newline(c) && !Number(c) && pos + 1 < end && Letter(cps[pos + 1])) {
    return 1 + RunOf<Letter>(cps, pos + 1, end);
  }
  if (Number(c)) return 1;
  return SymbolsOrSpaces(cps, pos, end);
}

// GPT-4o and Tekken as llama.cpp rewrites them for std::regex: case classes become "a letter that is not a-z"
// (upper-ish: A-Z or any non-ASCII letter) and "a letter that is not A-Z" (lower-ish):
//   [^\r\n\p{L}\p{N}]?U*W+C?|[^\r\n\p{L}\p{N}]?U+W*C?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
// with C the optional contraction (GPT-4o only) and single digits for Tekken.
bool UpperIsh(uint32_t c) { return c < 0x80 ? (c >= 'A' && c <= 'Z') : Letter(c); }
bool LowerIsh(uint32_t c) { return c < 0x80 ? (c >= 'a' && c <= 'z') : Letter(c); }
bool WordLead(uint32_t c) { return !Newline(c) && !Letter(c) && !Number(c); }

constexpr size_t kNoMatch = static_cast<size_t>(-1);

// U*W+ from p (greedy U*, backing off until a W follows); end of the match or kNoMatch.
size_t UpperStarLowerPlus(const std::vector<uint32_t>& cps, size_t p, size_t end) {
  for (size_t k = RunOf<UpperIsh>(cps, p, end) + 1; k-- > 0;) {
    if (p + k < end && LowerIsh(cps[p + k])) return p + k + RunOf<LowerIsh>(cps, p + k, end);
  }
  return kNoMatch;
}

// U+W* from p; end of the match or kNoMatch.
size_t UpperPlusLowerStar(const std::vector<uint32_t>& cps, size_t p, size_t end) {
  const size_t k = RunOf<UpperIsh>(cps, p, end);
  return k == 0 ? kNoMatch : p + k + RunOf<LowerIsh>(cps, p + k, end);
}

template <bool kContractions, size_t kMaxDigits>
size_t CasedWords(const std::vector<uint32_t>& cps, size_t pos, size_t end) {
  const bool can_lead = WordLead(cps[pos]) && pos + 1 < end;
  for (auto word : {UpperStarLowerPlus, UpperPlusLowerStar}) {
    for (const size_t lead : {size_t{1}, size_t{0}}) {
      if (lead == 1 && !can_lead) continue;
      size_t e = word(cps, pos + lead, end);
      if (e == kNoMatch) continue;
      if (kContractions && e < end) e += Contraction(cps, e, end);
      return e - pos;
    }
  }
  if (Number(cps[pos])) return std::min(RunOf<Number>(cps, pos, end), kMaxDigits);
  return SymbolsOrSpaces<NewlineOrSlash>(cps, pos, end);
}

// DeepSeek V3 (after its digit and kana/CJK stages), with llama.cpp's collapsed classes (ASCII '~' is not
// \p{S} there; \p{M} covers non-ASCII marks only):
//   [!-/:-@[-`{-~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
bool AsciiLetter(uint32_t c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool AsciiMark(uint32_t c) { return c > 0x20 && c < 0x7F && !AsciiLetter(c) && !AsciiDigit(c); }
bool PunctOrSymbol(uint32_t c) {
  if (c < 0x80) return Punct(c) || c == '$' || c == '+' || c == '<' || c == '=' || c == '>' || c == '^' ||
                       c == '`' || c == '|';
  return Punct(c) || CategoryOf(c) == Category::kSymbol;
}
bool LetterOrMark(uint32_t c) { return Letter(c) || (c >= 0x80 && CategoryOf(c) == Category::kMark); }
bool DeepseekV3Lead(uint32_t c) { return !Newline(c) && !Letter(c) && !PunctOrSymbol(c); }
// [一-龥぀-ゟ゠-ヿ]+
bool HanKana(uint32_t c) { return (c >= 0x4E00 && c <= 0x9FA5) || (c >= 0x3040 && c <= 0x30FF); }

size_t UpToThreeNumbers(const std::vector<uint32_t>& cps, size_t pos, size_t end) {
  return std::min<size_t>(RunOf<Number>(cps, pos, end), 3);
}

size_t DeepseekV3(const std::vector<uint32_t>& cps, size_t pos, size_t end) {
  const uint32_t c = cps[pos];
  const bool has_next = pos + 1 < end;
  if (AsciiMark(c) && has_next && AsciiLetter(cps[pos + 1])) return 1 + RunOf<AsciiLetter>(cps, pos + 1, end);
  if (DeepseekV3Lead(c) && has_next && LetterOrMark(cps[pos + 1])) return 1 + RunOf<LetterOrMark>(cps, pos + 1, end);
  if (LetterOrMark(c)) return RunOf<LetterOrMark>(cps, pos, end);
  if (const size_t n = SymbolRun<PunctOrSymbol, Newline>(cps, pos, end)) return n;
  return Spaces(cps, pos, end);
}

struct NamedPre {
  const char* name;
  PreTokenizerInfo info;
};

constexpr PreTokenizerInfo Info(PreKind kind, bool ignore_merges = false, bool add_bos = false,
                                bool no_bos = false) {
  return PreTokenizerInfo{kind, ignore_merges, add_bos, no_bos};
}

// The names llama.cpp's vocab loader accepts, for the regex lists implemented here.
constexpr std::array kPreTokenizers = {
    NamedPre{"default", Info(PreKind::kDefault)},
    NamedPre{"llama3", Info(PreKind::kLlama3, true, true)},
    NamedPre{"llama-v3", Info(PreKind::kLlama3, true, true)},
    NamedPre{"llama-bpe", Info(PreKind::kLlama3, true, true)},
    NamedPre{"falcon3", Info(PreKind::kLlama3, true, true)},
    NamedPre{"falcon-h1", Info(PreKind::kLlama3, true, true)},
    NamedPre{"pixtral", Info(PreKind::kLlama3, true, true)},
    NamedPre{"midm-2.0", Info(PreKind::kLlama3, true, true)},
    NamedPre{"lfm2", Info(PreKind::kLlama3, true, true)},
    NamedPre{"dbrx", Info(PreKind::kLlama3)},
    NamedPre{"smaug-bpe", Info(PreKind::kLlama3)},
    NamedPre{"chatglm-bpe", Info(PreKind::kLlama3, false, false, true)},
    NamedPre{"glm4", Info(PreKind::kLlama3, false, false, true)},
    NamedPre{"deepseek-llm", Info(PreKind::kDeepseekLlm)},
    NamedPre{"deepseek-coder", Info(PreKind::kDeepseekCoder)},
    NamedPre{"falcon", Info(PreKind::kFalcon)},
    NamedPre{"starcoder", Info(PreKind::kStarcoder)},
    NamedPre{"refact", Info(PreKind::kStarcoder)},
    NamedPre{"command-r", Info(PreKind::kStarcoder)},
    NamedPre{"smollm", Info(PreKind::kStarcoder)},
    NamedPre{"codeshell", Info(PreKind::kStarcoder)},
    NamedPre{"exaone", Info(PreKind::kStarcoder)},
    NamedPre{"minerva-7b", Info(PreKind::kStarcoder)},
    NamedPre{"gpt-2", Info(PreKind::kGpt2)},
    NamedPre{"phi-2", Info(PreKind::kGpt2)},
    NamedPre{"mpt", Info(PreKind::kGpt2)},
    NamedPre{"olmo", Info(PreKind::kGpt2)},
    NamedPre{"jais", Info(PreKind::kGpt2)},
    NamedPre{"trillion", Info(PreKind::kGpt2)},
    NamedPre{"granite-docling", Info(PreKind::kGpt2)},
    NamedPre{"exaone4", Info(PreKind::kGpt2)},
    NamedPre{"gigachat", Info(PreKind::kGpt2)},
    NamedPre{"mellum", Info(PreKind::kGpt2)},
    NamedPre{"qwen2", Info(PreKind::kQwen2)},
    NamedPre{"deepseek-r1-qwen", Info(PreKind::kQwen2)},
    NamedPre{"stablelm2", Info(PreKind::kQwen2)},
    NamedPre{"megrez", Info(PreKind::kQwen2)},
    NamedPre{"hunyuan", Info(PreKind::kQwen2)},
    NamedPre{"deepseek-v3", Info(PreKind::kDeepseekV3)},
    NamedPre{"hunyuan-dense", Info(PreKind::kDeepseekV3)},
    NamedPre{"joyai-llm", Info(PreKind::kDeepseekV3)},
    NamedPre{"gpt-4o", Info(PreKind::kGpt4o)},
    NamedPre{"llama4", Info(PreKind::kGpt4o)},
    NamedPre{"minimax-m2", Info(PreKind::kGpt4o)},
    NamedPre{"kanana2", Info(PreKind::kGpt4o)},
    NamedPre{"tekken", Info(PreKind::kTekken, true, true)},
};

Chunks Gpt2Stage(const std::vector<uint32_t>& cps, const Chunks& in) {
  Chunks out;
  out.reserve(in.size() * 4);
  internal::SplitGpt2(cps, in, &out);
  return out;
}

}  // namespace

std::optional<PreTokenizerInfo> FindPreTokenizer(std::string_view name) {
  for (const NamedPre& p : kPreTokenizers) {
    if (name == p.name) return p.info;
  }
  return std::nullopt;
}

std::string SupportedPreTokenizers() {
  std::string s;
  for (const NamedPre& p : kPreTokenizers) {
    if (!s.empty()) s += ", ";
    s += p.name;
  }
  return s;
}

std::vector<size_t> PreTokenize(PreKind kind, const std::vector<uint32_t>& cps) {
  Chunks chunks;
  if (cps.empty()) return chunks;
  chunks.push_back(cps.size());
  switch (kind) {
    case PreKind::kGpt2:
      return Gpt2Stage(cps, chunks);
    case PreKind::kLlama3: {
      Chunks out;
      out.reserve(cps.size() / 3 + 1);
      internal::SplitLlama3(cps, chunks, &out);
      return out;
    }
    case PreKind::kQwen2:
      return SplitByMatcher(cps, chunks, Qwen2);
    case PreKind::kDefault:
      chunks = SplitByMatcher(cps, chunks, RunOf<DefaultPunct>);
      chunks = Gpt2Stage(cps, chunks);
      chunks = SplitByMatcher(cps, chunks, RunOf<Number>);
      return SplitByMatcher(cps, chunks, ThreeDigits);
    case PreKind::kFalcon:
      chunks = SplitByMatcher(cps, chunks, RunOf<FalconPunct>);
      chunks = Gpt2Stage(cps, chunks);
      return SplitByMatcher(cps, chunks, ThreeDigits);
    case PreKind::kStarcoder:
      chunks = SplitByMatcher(cps, chunks, OneNumber);
      return Gpt2Stage(cps, chunks);
    case PreKind::kDeepseekCoder:
      chunks = SplitByMatcher(cps, chunks, OneNewline);
      chunks = SplitByMatcher(cps, chunks, SpaceThenRun<Letter>);
      chunks = SplitByMatcher(cps, chunks, SpaceThenRun<Punct>);
      chunks = SplitByMatcher(cps, chunks, RunOf<Cjk>);
      return SplitByMatcher(cps, chunks, OneNumber);
    case PreKind::kDeepseekV3:
      chunks = SplitByMatcher(cps, chunks, UpToThreeNumbers);
      chunks = SplitByMatcher(cps, chunks, RunOf<HanKana>);
      return SplitByMatcher(cps, chunks, DeepseekV3);
    case PreKind::kGpt4o:
      return SplitByMatcher(cps, chunks, CasedWords<true, 3>);
    case PreKind::kTekken:
      return SplitByMatcher(cps, chunks, CasedWords<false, 1>);
    case PreKind::kNewlines:
      return SplitByMatcher(cps, chunks, NewlineRuns);
    case PreKind::kDeepseekLlm:
      chunks = SplitByMatcher(cps, chunks, OneNewline);
      chunks = SplitByMatcher(cps, chunks, SpaceThenRun<DeepseekLetter>);
      chunks = SplitByMatcher(cps, chunks, SpaceThenRun<DeepseekPunct>);
      chunks = SplitByMatcher(cps, chunks, TrailingSpace);
      chunks = SplitByMatcher(cps, chunks, RunOf<Cjk>);
      return SplitByMatcher(cps, chunks, RunOf<Number>);
  }
  return chunks;
}

}  // namespace ingot::tok
