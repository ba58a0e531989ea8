// Command mockdingtalk-conform checks an implementation of ZStack's SNS
// DingTalk API against the contract's rules (docs/conformance.md), with a
// fake DingTalk robot as the target's webhook:
//
//	mockdingtalk-conform [-target URL] [-strict] [-junit FILE] [-json FILE] …
//
// `mockdingtalk conform …` runs it (it looks for this program next to
// itself, then on PATH). It is a program of its own so that the
// mockdingtalk server does not link kin-openapi and its JSON Schema
// compiler, whose package initialisation would add about 10 ms to every
// start; `make build` and the container image ship both.
package main
