// Package conformance checks an implementation of ZStack's SNS DingTalk API
// over HTTP against the contract: openapi.yaml for every answer, and the
// semantics openapi.yaml cannot say (what reaches the DingTalk webhook, how
// it is signed and @-mentions, how failures are reported, who may call).
//
// A Harness runs the fake DingTalk robot (package mockdingtalk) as the
// target's webhook, calls the target, follows ZStack's async job protocol
// (202 + location, then polling) transparently, and checks every answer
// with package contracts. Each Rule (see Rules, the one list of them) is a
// plain function with an ID, a family, a level (must or should) and its
// source; Check runs one and returns a Result with the evidence: what was
// sent, what the fake robot received, what the target answered. The Ginkgo
// suite in this directory and the binary's `mockdingtalk conform` command run
// the same rules, against the in-repo implementation by default or against
// any target (see ConfigFromEnv). Nothing here depends on Ginkgo or Gomega.
package conformance
