// Benchmarks for Warnings: a clean message (the common case, run on every
// send) and a hostile one near the 20000-byte limit, full of mentions.

package diagnose_test

import (
	"strings"
	"testing"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/diagnose"
)

func benchWarnings(b *testing.B, body string) {
	m, err := dingtalk.ParseMessage([]byte(body))
	if err != nil {
		b.Fatal(err)
	}
	req := diagnose.Accepted{Path: "/robot/send", ContentType: "application/json", Body: []byte(body), Message: m}
	b.ReportAllocs()
	for b.Loop() {
		_ = diagnose.Warnings(req)
	}
}

func BenchmarkWarnings(b *testing.B) {
	b.Run("clean", func(b *testing.B) {
		benchWarnings(b, `{"msgtype":"text","text":{"content":"alert: disk /var is 91% full on host-17"},"at":{"isAtAll":false}}`)
	})
	b.Run("hostile", func(b *testing.B) {
		ids := strings.TrimSuffix(strings.Repeat(`"1380000",`, 1800), ",")
		benchWarnings(b, `{"msgtype":"text","text":{"content":"`+strings.Repeat("@1390000 ", 400)+`"},"at":{"atMobiles":[`+ids+`]}}`)
	})
}
