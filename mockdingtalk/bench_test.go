// Benchmarks of the send path through the handler: a delivered message, and
// a rejection (which also computes the hint). Compare runs with benchstat.

package mockdingtalk_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
)

func benchSend(b *testing.B, robot mockdingtalk.Robot, body string) {
	s, err := mockdingtalk.New(mockdingtalk.Config{JournalCap: 1000})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	robot.RateLimitPerMinute = new(int) // off
	r, err := s.AddRobot(robot)
	if err != nil {
		b.Fatal(err)
	}
	target := "/robot/send?access_token=" + r.AccessToken
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
}

func BenchmarkSendDelivered(b *testing.B) {
	benchSend(b, mockdingtalk.Robot{Keywords: []string{"hello"}}, `{"msgtype":"text","text":{"content":"hello"}}`)
}

func BenchmarkSendRejectedWithHint(b *testing.B) {
	benchSend(b, mockdingtalk.Robot{}, `{"msgtype":"markdown","markdown":{"text":"no title"}}`)
}

func BenchmarkSendSignMismatchWithHint(b *testing.B) {
	benchSend(b, mockdingtalk.Robot{Secret: "SEC" + strings.Repeat("a", 64)}, `{"msgtype":"text","text":{"content":"hello"}}`)
}
