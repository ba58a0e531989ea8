// Package journal is the fake robot's bounded request journal: every request
// to the robot API, accepted or not, with its raw bytes, what the fake made
// of it and what it answered. It is bounded by count and by bytes: the
// oldest entries are dropped first once either bound is reached, and the
// drops are counted; an oversized query or header block is kept truncated,
// and the entry says so. Readers can list, wait for a number of entries, or
// be told of each change (for live views).
//
// Entries are stored compactly (the raw request in one buffer, the outcome
// as small values) so that a full journal costs the garbage collector
// little; what can be derived (the parsed message, the check details) is
// rebuilt when an entry is read.
package journal
