#include "ghl/core/text.h"

#include <gtest/gtest.h>

namespace ghl {
namespace {

TEST(EditDistanceTest, CountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(EditDistance("", ""), 0u);
  EXPECT_EQ(EditDistance("pipeline", "pipeline"), 0u);
  EXPECT_EQ(EditDistance("pipline", "pipeline"), 1u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(EditDistance("contact", "Contact"), 1u) << "case counts";
}

TEST(TerminalSafeTest, EscapesTheSequencesThatDriveATerminal) {
  // OSC 0 (set the window title) ended by BEL, an SGR colour, a carriage return that would
  // overwrite the line, and DEL.
  EXPECT_EQ(TerminalSafe("\x1b]0;pwned\x07red:\x1b[31mX\rY\x7f"),
            "\\x1b]0;pwned\\x07red:\\x1b[31mX\\x0dY\\x7f");
  EXPECT_EQ(TerminalSafe(std::string_view("a\0b", 3)), "a\\x00b");
}

TEST(TerminalSafeTest, KeepsNewlineTabAndValidUtf8) {
  EXPECT_EQ(TerminalSafe("line 1\n\tline 2"), "line 1\n\tline 2");
  EXPECT_EQ(TerminalSafe("Zoë 東京 \xF0\x9F\x98\x80 C:\\path"),
            "Zoë 東京 \xF0\x9F\x98\x80 C:\\path");
  EXPECT_EQ(TerminalSafeLine("a\nb\tc"), "a\\x0ab\\x09c");
}

TEST(TerminalSafeTest, EscapesC1ControlsAndInvalidUtf8) {
  // U+009B (CSI) and U+009D (OSC) encoded as UTF-8; U+00A0 is printable and kept.
  EXPECT_EQ(TerminalSafe("\xC2\x9B"
                         "31m\xC2\x9D"
                         "0;t \xC2\xA0"),
            "\\u009b31m\\u009d0;t \xC2\xA0");
  // A raw 8-bit CSI, a stray continuation byte, an overlong '/', a surrogate, a truncated
  // sequence at the end.
  EXPECT_EQ(TerminalSafe("\x9b\x80\xC0\xAF\xED\xA0\x80\xE2\x82"),
            "\\x9b\\x80\\xc0\\xaf\\xed\\xa0\\x80\\xe2\\x82");
}

TEST(TerminalSafeTest, IsIdempotent) {
  std::string once = TerminalSafe("\x1b[2J\xC2\x9B\xff");
  EXPECT_EQ(TerminalSafe(once), once);
}

TEST(Utf8Test, FindsTheFirstByteThatIsNotUtf8) {
  EXPECT_EQ(FirstInvalidUtf8(""), std::nullopt);
  EXPECT_EQ(FirstInvalidUtf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), std::nullopt);
  EXPECT_EQ(FirstInvalidUtf8("caf\xe9"), 3u);           // Latin-1
  EXPECT_EQ(FirstInvalidUtf8("a\xc0\xaf"), 1u);         // overlong '/'
  EXPECT_EQ(FirstInvalidUtf8("\xed\xa0\x80"), 0u);      // UTF-16 surrogate
  EXPECT_EQ(FirstInvalidUtf8("\xf4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(FirstInvalidUtf8("ok\xe2\x82"), 2u);        // cut short
  EXPECT_EQ(Utf8SequenceLength("\xe2\x82\xac", 0), 3u);
}

TEST(TextTest, ReplaceEachRewordsEveryOccurrenceOnce) {
  EXPECT_EQ(ReplaceEach("raise A::t or A::t", {{"A::t", "--t A::t"}, {"or", "and"}}),
            "raise --t A::t and --t A::t");
  EXPECT_EQ(ReplaceEach("x", {{"", "y"}}), "x");
}

TEST(LooksLikeEmailTest, NeedsOneAtAndADottedDomain) {
  EXPECT_TRUE(LooksLikeEmail("p2@y.z"));
  EXPECT_TRUE(LooksLikeEmail("ana.b+tag@example.co.uk"));
  EXPECT_FALSE(LooksLikeEmail("p2@yz"));
  EXPECT_FALSE(LooksLikeEmail("@y.z"));
  EXPECT_FALSE(LooksLikeEmail("a b@y.z"));
  EXPECT_FALSE(LooksLikeEmail("a@b@y.z"));
  EXPECT_FALSE(LooksLikeEmail(""));
}

}  // namespace
}  // namespace ghl
