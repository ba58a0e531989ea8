// Which request paths reach the send API, and how each variant a client
// produces is answered: what a base URL with a trailing slash, a doubled
// slash or a stray trailing slash turns into. The choices are documented
// in docs/choices.md (DingTalk's behaviour for these paths is unconfirmed).

package mockdingtalk

import "strings"

// pathKind says how the fake treats a request path.
type pathKind uint8

const (
	// pathOther is not the robot API (admin API, inbox).
	pathOther pathKind = iota
	// pathSend is exactly /robot/send.
	pathSend
	// pathMergedSlashes is /robot/send written with repeated slashes
	// ("//robot/send" from a base URL ending in '/'). Delivered as
	// /robot/send, as a front end that merges slashes (nginx's default,
	// merge_slashes on) passes it on; the journal entry carries a warning.
	pathMergedSlashes
	// pathUnknown is any other path under /robot ("/robot/send/",
	// "/robot/sendx", "/Robot/Send"): DingTalk-shaped HTTP 200 with errcode
	// 404 请求的URI地址不存在, as oapi.dingtalk.com answers a path it does
	// not serve.
	pathUnknown
)

// robotArea is the path prefix the fake answers in DingTalk's shape.
const robotArea = "/robot"

// classifyPath says how the fake treats path p. It does not allocate for
// /robot/send and for paths outside /robot.
func classifyPath(p string) pathKind {
	if p == SendPath {
		return pathSend
	}
	if !strings.Contains(p, "//") {
		if !inRobotArea(p) {
			return pathOther
		}
		return pathUnknown
	}
	merged := mergeSlashes(p)
	switch {
	case merged == SendPath:
		return pathMergedSlashes
	case inRobotArea(merged):
		return pathUnknown
	}
	return pathOther
}

// inRobotArea reports whether p is /robot or under it, in any letter case.
func inRobotArea(p string) bool {
	if len(p) < len(robotArea) || !strings.EqualFold(p[:len(robotArea)], robotArea) {
		return false
	}
	return len(p) == len(robotArea) || p[len(robotArea)] == '/'
}

// mergeSlashes replaces every run of '/' in p with one.
func mergeSlashes(p string) string {
	var b strings.Builder
	b.Grow(len(p))
	for i := 0; i < len(p); i++ {
		if p[i] == '/' && i > 0 && p[i-1] == '/' {
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String()
}
