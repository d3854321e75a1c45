#include "harness/tokenizer/char_class.h"

#include <unicode/uchar.h>

namespace engram::tokenizer::chars {

uint32_t classify_slow(char32_t c) {
  const auto cp = static_cast<UChar32>(c);
  uint32_t out = 0;
  const uint32_t mask = U_MASK(u_charType(cp));
  if (mask & U_GC_L_MASK) out |= kLetter;
  if (mask & U_GC_M_MASK) out |= kMark;
  if (mask & U_GC_N_MASK) out |= kNumber;
  if (mask & U_GC_P_MASK) out |= kPunct;
  if (mask & U_GC_S_MASK) out |= kSymbol;
  if (u_isUWhiteSpace(cp)) out |= kSpace;
  if (c == '\r' || c == '\n') out |= kCrLf;
  if (c < 128) {
    if ((c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') || (c >= '{' && c <= '~'))
      out |= kAsciiPunct;
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) out |= kAsciiAlpha;
  }
  if ((c >= 0x4E00 && c <= 0x9FA5) || (c >= 0x3040 && c <= 0x30FF)) out |= kDeepSeekCjk;
  if (u_hasBinaryProperty(cp, UCHAR_ALPHABETIC) || (mask & (U_GC_M_MASK | U_GC_ND_MASK | U_GC_PC_MASK)) ||
      u_hasBinaryProperty(cp, UCHAR_JOIN_CONTROL))
    out |= kWord;
  return out;
}

}  // namespace engram::tokenizer::chars
