// Runnable examples of the fake robot's Go API: start a server, add a
// signed robot, send with dingtalk.SignURL, read the journal, inject a
// fault and move the clock.

package mockdingtalk_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

// Start a fake robot, add a robot with a secret, send a signed markdown
// message to it, and read what it received. In tests, use
// mockdingtalk.NewTestServer(t, mockdingtalk.Config{}) instead of Start:
// it stops the server when the test ends.
func Example() {
	s, err := mockdingtalk.Start(mockdingtalk.Config{})
	if err != nil {
		panic(err)
	}
	defer s.Close()

	robot, err := s.AddRobot(mockdingtalk.Robot{
		Name:   "alerts",
		Secret: "SEC5a3ecf88f2b3eb50db30ecfc00f53033ac909c99bf7f88fd612bda89d7f3a9dc",
	})
	if err != nil {
		panic(err)
	}

	// A client signs the webhook URL with the fake's clock (or its own).
	webhook, err := dingtalk.SignURL(s.WebhookURL(robot.AccessToken), robot.Secret, s.Now())
	if err != nil {
		panic(err)
	}
	res, err := http.Post(webhook, "application/json; charset=utf-8",
		strings.NewReader(`{"msgtype":"markdown","markdown":{"title":"Disk","text":"### disk full on **db1**"}}`))
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	fmt.Println(res.StatusCode, string(body))

	// Wait for the message (it is already there: entries are journaled
	// before the answer is sent).
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	entries, err := s.WaitForEntries(ctx, journal.Filter{AccessToken: robot.AccessToken}, 1)
	if err != nil {
		panic(err)
	}
	e := entries[0]
	fmt.Println(e.Delivered, e.Message.MsgType, e.Message.Markdown.Title)
	// Output:
	// 200 {"errcode":0,"errmsg":"ok"}
	// true markdown Disk
}

// A stale signature is refused exactly as DingTalk refuses it, and the
// X-Mock-Hint header says why. The fake's clock makes the hour pass at once.
func ExampleServer_Advance() {
	s, err := mockdingtalk.New(mockdingtalk.Config{FreezeAt: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	robot, _ := s.AddRobot(mockdingtalk.Robot{Secret: "SECexample"})

	// The client signs once and keeps the URL (the bug in CatchZeng/dingtalk PR#2).
	webhook, _ := dingtalk.SignURL(s.WebhookURL(robot.AccessToken), robot.Secret, s.Now())
	send := func() *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, webhook, strings.NewReader(`{"msgtype":"text","text":{"content":"ping"}}`))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		return w
	}
	fmt.Println(send().Body.String())
	s.Advance(61 * time.Minute)
	w := send()
	fmt.Println(w.Body.String())
	fmt.Println("hint given:", w.Header().Get("X-Mock-Hint") != "")
	// Output:
	// {"errcode":0,"errmsg":"ok"}
	// {"errcode":310000,"errmsg":"description:机器人发送签名过期;solution:签名生成时间和发送时间请保持在 timestampms 以内;"}
	// hint given: true
}

// Inject a fault: the next two sends to any robot are answered as if
// DingTalk were busy, then sends go through again.
func ExampleServer_AddFault() {
	s, err := mockdingtalk.New(mockdingtalk.Config{Robots: []mockdingtalk.Robot{{AccessToken: "demo"}}})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	f, _ := s.AddFault(mockdingtalk.Fault{Kind: mockdingtalk.FaultErrcode, ErrCode: -1, Times: 2})
	fmt.Println(f.ID, f.ErrMsg)
	for range 3 {
		r := httptest.NewRequest(http.MethodPost, "/robot/send?access_token=demo", strings.NewReader(`{"msgtype":"text","text":{"content":"hi"}}`))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		fmt.Println(w.Body.String())
	}
	// Output:
	// f1 系统繁忙
	// {"errcode":-1,"errmsg":"系统繁忙"}
	// {"errcode":-1,"errmsg":"系统繁忙"}
	// {"errcode":0,"errmsg":"ok"}
}

// The legacy wording era answers with the 2019–2021 texts and codes.
func ExampleConfig_legacyEra() {
	s, _ := mockdingtalk.New(mockdingtalk.Config{Dialect: dingtalk.Dialect{Era: dingtalk.EraLegacy}})
	defer s.Close()
	r := httptest.NewRequest(http.MethodPost, "/robot/send?access_token=nobody", strings.NewReader(`{}`))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	fmt.Println(w.Body.String())
	// Output:
	// {"errcode":300001,"errmsg":"token is not exist"}
}
