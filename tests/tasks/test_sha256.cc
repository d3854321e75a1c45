// SHA-256 against the FIPS 180-4 / NIST example vectors, including the padding boundaries.
#include <gtest/gtest.h>

#include <string>

#include "tasks/sha256.h"

namespace engram::tasks {
namespace {

TEST(Sha256, NistVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, IncrementalEqualsOneShot) {
  std::string text;
  for (int i = 0; i < 300; ++i) text += static_cast<char>('a' + i % 26);
  // Every split point across the 55/56/64-byte padding boundaries.
  for (size_t len : {0u, 1u, 55u, 56u, 57u, 63u, 64u, 65u, 119u, 120u, 128u, 300u}) {
    const std::string part = text.substr(0, len);
    for (size_t cut = 0; cut <= len; cut += 7) {
      Sha256 h;
      h.update(part.substr(0, cut)).update(part.substr(cut));
      EXPECT_EQ(h.hex_digest(), sha256_hex(part)) << len << " " << cut;
    }
  }
}

TEST(Sha256, DigestTwiceIsAnError) {
  Sha256 h;
  h.update("x");
  h.digest();
  EXPECT_THROW(h.digest(), std::logic_error);
  EXPECT_THROW(h.update("y"), std::logic_error);
}

}  // namespace
}  // namespace engram::tasks
