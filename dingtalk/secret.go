// How a robot secret may be shown: never in full, in logs, errors or API
// answers, on either side of the project.
package dingtalk

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaskSecret returns the only form in which a secret is ever shown: the
// "SEC" prefix every DingTalk secret has (when it has it), an ellipsis and
// its length in characters, e.g. "SEC…(67 chars)". No character of the
// secret proper is shown: even four of them narrow a guess and tell
// secrets apart to anyone who reads a log. "" stays "".
func MaskSecret(secret string) string {
	if secret == "" {
		return ""
	}
	prefix := ""
	if strings.HasPrefix(secret, "SEC") && len(secret) > len("SEC") {
		prefix = "SEC"
	}
	return fmt.Sprintf("%s…(%d chars)", prefix, utf8.RuneCountInString(secret))
}
