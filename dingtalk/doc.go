// Package dingtalk is the DingTalk custom-robot ("群自定义机器人") protocol shared
// by both sides of this project: the message types a client posts to
// /robot/send, the signing algorithm ("加签") and its verification, and the
// table of errcodes and errmsg texts the real service answers with, in each
// wording era it has used.
//
// It is the single place that signs, the single place that verifies and the
// single table of errcodes: the fake robot (package mockdingtalk) and the
// outbound sender of the SNS API (package sns) both build on it, and it
// imports neither.
//
// Facts, their public sources and confidence are in docs/dingtalk-behaviour.md;
// where a behaviour was inferred rather than observed, the doc comment says so.
package dingtalk
