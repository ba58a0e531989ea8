// Package match provides Gomega matchers over the fake robot's journal
// (journal.Entry and []journal.Entry), for tests that assert what a client
// sent:
//
//	Expect(fake.Entries(journal.Filter{})).To(match.ContainMessage(
//		match.BeSigned(),
//		match.HaveMsgType("markdown"),
//		match.HaveText(ContainSubstring("disk full")),
//		match.MentionMobile("13800000000"),
//	))
//
// HaveNoWarnings fails on any accepted message that will not do what its
// sender meant (a mention nobody receives, markdown DingTalk does not
// render): Expect(fake.Entries(journal.Filter{})).To(match.HaveNoWarnings()).
//
// The same message matchers read the app robot API's messages (package
// approbot) and, through HaveReply, a bot's replies in a conversation:
// Expect(conv).To(match.HaveReply(match.HaveText(ContainSubstring("deploying")))).
//
// Every entry matcher accepts a journal.Entry or a *journal.Entry. Failure
// messages show entries one line each (sequence, token, msgtype, title,
// text, mentions, errcode, hint) rather than Go struct dumps.
package match
