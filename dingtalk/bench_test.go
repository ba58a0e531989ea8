// Benchmarks for the protocol package's hot path: what the fake robot does
// for every signed send (Verify, ParseMessage, Validate, Answer) and what a
// sender does (Sign, SignURL). Names are stable so `benchstat` can compare
// runs: go test -run='^$' -bench=. -benchmem ./dingtalk/

package dingtalk_test

import (
	"testing"
	"time"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
)

const benchSecret = "SEC5a3ecf88f2b3eb50db30ecfc00f53033ac909c99bf7f88fd612bda89d7f3a9dc"

// Bodies of the sizes clients send: a one-line alert, a markdown report, an
// action card with buttons and mentions.
var benchBodies = []struct {
	name string
	body []byte
}{
	{"text", []byte(`{"msgtype":"text","text":{"content":"alert: disk /var is 91% full on host-17"},"at":{"atMobiles":["13800000000"],"isAtAll":false}}`)},
	{"markdown", []byte(`{"msgtype":"markdown","markdown":{"title":"Daily report","text":"#### Daily report\n> 12 hosts ok, **1 warning**\n\n- cpu: 42%\n- mem: 61%\n- disk: 91%\n\n![chart](https://example.com/chart.png)\n###### 10:00 发布 [详情](https://example.com/report)"},"at":{"isAtAll":"true"}}`)},
	{"actionCard", []byte(`{"msgtype":"actionCard","actionCard":{"title":"Deploy?","text":"Release v1.2.3 is ready","btnOrientation":"1","hideAvatar":0,"btns":[{"title":"Approve","actionURL":"https://example.com/a"},{"title":"Reject","actionURL":"https://example.com/r"}]},"msgUuid":"0f8fad5b-d9cb-469f-a165-70867728950e"}`)},
}

func BenchmarkSign(b *testing.B) {
	b.ReportAllocs()
	ts := time.Now().UnixMilli()
	for b.Loop() {
		_ = dingtalk.Sign(benchSecret, ts)
	}
}

func BenchmarkSignURL(b *testing.B) {
	b.ReportAllocs()
	const webhook = "https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	now := time.Now()
	for b.Loop() {
		if _, err := dingtalk.SignURL(webhook, benchSecret, now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	now := time.Now()
	ts := now.UnixMilli()
	timestamp, sign := itoa(ts), dingtalk.Sign(benchSecret, ts)
	b.Run("ok", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := dingtalk.Verify(benchSecret, timestamp, sign, now); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("verifier", func(b *testing.B) {
		b.ReportAllocs()
		v := dingtalk.NewVerifier(benchSecret)
		for b.Loop() {
			if err := v.Verify(timestamp, sign, now); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("mismatch", func(b *testing.B) {
		b.ReportAllocs()
		bad := dingtalk.Sign("SECwrong", ts)
		for b.Loop() {
			if err := dingtalk.Verify(benchSecret, timestamp, bad, now); err == nil {
				b.Fatal("wrong sign accepted")
			}
		}
	})
}

func BenchmarkParseMessage(b *testing.B) {
	for _, bb := range benchBodies {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bb.body)))
			for b.Loop() {
				m, err := dingtalk.ParseMessage(bb.body)
				if err != nil {
					b.Fatal(err)
				}
				if rej := m.Validate(); rej != nil {
					b.Fatal(rej)
				}
			}
		})
	}
}

func BenchmarkAnswer(b *testing.B) {
	d := dingtalk.Dialect{}
	rejections := []struct {
		name string
		rej  *dingtalk.Rejection
	}{
		{"ok", nil},
		{"signMismatch", dingtalk.Reject(dingtalk.ReasonSignMismatch)},
		{"missingParam", &dingtalk.Rejection{Reason: dingtalk.ReasonMissingParam, Param: "markdown->title", Code: 400402}},
	}
	for _, r := range rejections {
		b.Run(r.name, func(b *testing.B) {
			b.ReportAllocs()
			buf := make([]byte, 0, 512)
			for b.Loop() {
				buf = d.Answer(r.rej).AppendJSON(buf[:0])
			}
		})
	}
}

func itoa(n int64) string {
	var buf [20]byte
	i := len(buf)
	for n > 0 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	return string(buf[i:])
}
