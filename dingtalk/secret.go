// How a robot secret may be shown: never in full, in logs, errors or API
// answers, on either side of the project.
package dingtalk

import "fmt"

// MaskSecret returns the only form in which a secret is ever shown: its
// first 7 characters (the "SEC" prefix and 4 more, for a DingTalk secret),
// an ellipsis and its length, e.g. "SEC1a2b…(67 chars)". Secrets shorter
// than 16 characters show no character at all; "" stays "".
func MaskSecret(secret string) string {
	r := []rune(secret)
	switch n := len(r); {
	case n == 0:
		return ""
	case n < 16:
		return fmt.Sprintf("…(%d chars)", n)
	default:
		return fmt.Sprintf("%s…(%d chars)", string(r[:7]), n)
	}
}
