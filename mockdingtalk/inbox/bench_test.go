// Benchmarks of the inbox's app robot views over a full journal: the
// sidebar (which reads every delivered batchSend to find one-to-one chats)
// and a group's timeline.

package inbox_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/approbot"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/inbox"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

// fullAppJournal returns an inbox whose journal holds n app robot
// messages, alternately to a group and one to one (50 members), and 20
// conversations.
func fullAppJournal(b *testing.B, n int) *inbox.Inbox {
	j := journal.New(journal.Config{Cap: n})
	now := func() time.Time { return time.Date(2026, 5, 12, 9, 30, 0, 0, time.UTC) }
	bot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"msgtype":"text","text":{"content":"ok"}}`))
	}))
	b.Cleanup(bot.Close)
	members := make([]approbot.Member, 50)
	for i := range members {
		members[i] = approbot.Member{StaffID: "staff" + strconv.Itoa(i), Name: "Member " + strconv.Itoa(i)}
	}
	apps, err := approbot.New(approbot.Config{
		Apps:    []approbot.App{{AppKey: "ops", AppSecret: "s", Name: "ops bot", CallbackURL: bot.URL}},
		Groups:  []approbot.Group{{OpenConversationID: "cidOps", Title: "ops", RobotCodes: []string{"ops"}, Members: members}},
		Now:     now,
		Journal: j,
	})
	if err != nil {
		b.Fatal(err)
	}
	r := mux.NewRouter()
	apps.Routes(r)
	token, _, _ := apps.Token("ops")
	for i := range n {
		body := `{"robotCode":"ops","openConversationId":"cidOps","msgKey":"sampleText","msgParam":"{\"content\":\"hello ` + strconv.Itoa(i) + `\"}"}`
		path := approbot.GroupSendPath
		if i%2 == 1 {
			body = `{"robotCode":"ops","userIds":["staff` + strconv.Itoa(i%50) + `","staff` + strconv.Itoa((i+1)%50) + `"],"msgKey":"sampleText","msgParam":"{\"content\":\"hi\"}"}`
			path = approbot.BatchSendPath
		}
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		req.Header.Set(approbot.TokenHeader, token)
		r.ServeHTTP(httptest.NewRecorder(), req)
	}
	for i := range 20 {
		if _, err := apps.Say(context.Background(), approbot.Utterance{OpenConversationID: "cidOps", StaffID: "staff" + strconv.Itoa(i), Text: "status"}); err != nil {
			b.Fatal(err)
		}
	}
	return inbox.New(inbox.Config{Journal: j, Apps: apps})
}

func benchmarkGet(b *testing.B, target string) {
	in := fullAppJournal(b, 10000)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		in.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
		if w.Code != http.StatusOK {
			b.Fatalf("%s: HTTP %d", target, w.Code)
		}
	}
}

// BenchmarkAppSidebar renders the robot list over 10,000 app robot
// messages (5,000 of them batchSends).
func BenchmarkAppSidebar(b *testing.B) { benchmarkGet(b, "/_inbox/robots") }

// BenchmarkGroupTimeline renders a group's timeline (the newest 200 of
// 5,020 items).
func BenchmarkGroupTimeline(b *testing.B) { benchmarkGet(b, "/_inbox/entries?group=cidOps") }

// BenchmarkChatTimeline renders a member's one-to-one chat (200 of
// 10,000 journaled messages are theirs).
func BenchmarkChatTimeline(b *testing.B) { benchmarkGet(b, "/_inbox/entries?app=ops&staff=staff7") }
