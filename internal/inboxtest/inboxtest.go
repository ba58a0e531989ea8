// Package inboxtest is the inbox specs' fixture, shared by the inbox's own
// suite and the browser specs under e2e/browser: an inbox on a loopback test
// server with its journal, robots and app robots (the real approbot
// Service, serving its API on the same server), and helpers that record journal
// entries the way the fake robot does (real bodies parsed with
// dingtalk.ParseMessage, answers from dingtalk.Dialect, warnings from
// package diagnose). It uses Ginkgo and Gomega, so call it from specs only.
package inboxtest

import (
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gorilla/mux"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/approbot"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/diagnose"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/inbox"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

// Fixture is one inbox on a test server, with its journal and robots.
type Fixture struct {
	Journal *journal.Journal
	Inbox   *inbox.Inbox
	Server  *httptest.Server
	// Apps is the app robot API the inbox shows; it serves its endpoints
	// (/v1.0/…, /robot/sendBySession) on Server and journals in Journal.
	Apps  *approbot.Service
	mu    sync.Mutex
	bots  []inbox.Robot
	clock time.Time
	// changed is closed and replaced whenever bots change.
	changed chan struct{}
}

// New starts an inbox on 127.0.0.1 and stops it when the spec (or
// the container, from BeforeAll) ends. Besides the inbox it serves
// generated pictures under /test-assets/ so that pages look real offline.
func New() *Fixture {
	f := &Fixture{Journal: journal.New(journal.Config{Cap: 1000}), clock: time.Date(2026, 5, 12, 9, 30, 0, 0, time.UTC), changed: make(chan struct{})}
	apps, err := approbot.New(approbot.Config{Now: f.now, Journal: f.Journal})
	Expect(err).NotTo(HaveOccurred())
	f.Apps = apps
	f.Inbox = inbox.New(inbox.Config{Journal: f.Journal, Robots: f.robots, RobotsChanged: f.robotsChanged, Apps: apps})
	api := mux.NewRouter()
	apps.Routes(api)
	m := http.NewServeMux()
	m.HandleFunc("/test-assets/", servePicture)
	m.Handle("/v1.0/", api)
	m.Handle(approbot.SessionPath, api)
	m.Handle("/", f.Inbox)
	f.Server = httptest.NewServer(m)
	apps.SetBaseURL(func() string { return f.Server.URL })
	DeferCleanup(func() {
		f.Inbox.Close()
		f.Server.Close()
	})
	return f
}

func (f *Fixture) robots() []inbox.Robot {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]inbox.Robot(nil), f.bots...)
}

func (f *Fixture) robotsChanged() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.changed
}

// changedLocked signals a change of bots; f.mu is held.
func (f *Fixture) changedLocked() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// AddRobot configures a robot; its webhook URL points at the test server.
func (f *Fixture) AddRobot(name, token, secret string) inbox.Robot {
	r := inbox.Robot{AccessToken: token, Name: name, Secret: secret,
		WebhookURL: f.Server.URL + "/robot/send?access_token=" + url.QueryEscape(token)}
	f.mu.Lock()
	f.bots = append(f.bots, r)
	f.changedLocked()
	f.mu.Unlock()
	return r
}

// SetWebhookBase rewrites every robot's webhook URL to start with base.
func (f *Fixture) SetWebhookBase(base string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.bots {
		f.bots[i].WebhookURL = base + "/robot/send?access_token=" + url.QueryEscape(f.bots[i].AccessToken)
	}
	f.changedLocked()
}

// Pic is the URL of a generated picture the test server serves.
func (f *Fixture) Pic(name string) string { return f.Server.URL + "/test-assets/" + name + ".png" }

// now is the fixture's clock, for the app robots (tokens, conversations).
func (f *Fixture) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.clock
}

func (f *Fixture) next() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clock = f.clock.Add(37 * time.Second)
	return f.clock
}

// Request is the common part of a recorded request to robot token.
func (f *Fixture) Request(token, body string) journal.Entry {
	e := journal.Entry{
		Time: f.next(), AccessToken: token, Method: http.MethodPost, Path: "/robot/send",
		RawQuery:   "access_token=" + url.QueryEscape(token),
		Header:     http.Header{"Content-Type": {"application/json;charset=utf-8"}, "User-Agent": {"alertmanager-bridge/1.4"}},
		Body:       []byte(body),
		RemoteAddr: "127.0.0.1:53172",
	}
	if m, err := dingtalk.ParseMessage(e.Body); err == nil {
		e.Message = m
	}
	return e
}

// Deliver records a message the fake accepted and delivered. The body must
// be one DingTalk accepts.
func (f *Fixture) Deliver(token, body string) journal.Entry {
	GinkgoHelper()
	e := f.Request(token, body)
	Expect(e.Message).NotTo(BeNil(), "test body is not JSON: %s", body)
	Expect(e.Message.Validate()).To(BeNil(), "test body is not one DingTalk accepts: %s", body)
	ok := dingtalk.Dialect{}.Answer(nil)
	e.Accepted, e.Delivered, e.Reason = true, true, dingtalk.ReasonOK
	e.Response = journal.Response{Status: 200, ErrCode: ok.ErrCode, ErrMsg: ok.ErrMsg, Body: ok.AppendJSON(nil)}
	e.Checks = []journal.Check{{Name: "access_token", Passed: true}, {Name: "json", Passed: true}, {Name: "message", Passed: true}}
	e.Warnings = diagnose.Warnings(diagnose.Accepted{Path: e.Path, ContentType: e.Header.Get("Content-Type"), Body: e.Body, Message: e.Message})
	return f.Journal.Append(e)
}

// Reject records a request the fake refused for rej, with hint.
func (f *Fixture) Reject(token, body string, rej *dingtalk.Rejection, hint string, edit ...func(*journal.Entry)) journal.Entry {
	e := f.Request(token, body)
	a := dingtalk.Dialect{}.Answer(rej)
	e.Reason = rej.Reason
	e.Hint = hint
	e.Response = journal.Response{Status: 200, ErrCode: a.ErrCode, ErrMsg: a.ErrMsg, Body: a.AppendJSON(nil)}
	e.Checks = []journal.Check{{Name: "access_token", Passed: true}, {Name: journal.CheckName(rej.Reason), Passed: false, Detail: hint}}
	for _, fn := range edit {
		fn(&e)
	}
	return f.Journal.Append(e)
}

// AppSend has app appKey's robot send msgKey with msgParam (a JSON
// object, encoded into the string DingTalk wants) over HTTP: to group cid
// (groupMessages/send), or, when cid is empty, to userIDs one to one
// (oToMessages/batchSend). It returns the HTTP status.
func (f *Fixture) AppSend(appKey, cid string, userIDs []string, msgKey string, msgParam map[string]string) int {
	GinkgoHelper()
	token, _, err := f.Apps.Token(appKey)
	Expect(err).NotTo(HaveOccurred())
	app, ok := f.Apps.App(appKey)
	Expect(ok).To(BeTrue(), "no app %q", appKey)
	param, err := json.Marshal(msgParam)
	Expect(err).NotTo(HaveOccurred())
	in := map[string]any{"robotCode": app.RobotCode, "msgKey": msgKey, "msgParam": string(param)}
	path := approbot.GroupSendPath
	if cid == "" {
		path = approbot.BatchSendPath
		in["userIds"] = userIDs
	} else {
		in["openConversationId"] = cid
	}
	body, err := json.Marshal(in)
	Expect(err).NotTo(HaveOccurred())
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, f.Server.URL+path, strings.NewReader(string(body)))
	Expect(err).NotTo(HaveOccurred())
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(approbot.TokenHeader, token)
	res, err := http.DefaultClient.Do(req)
	Expect(err).NotTo(HaveOccurred())
	_ = res.Body.Close()
	return res.StatusCode
}

// servePicture draws a small deterministic picture: a soft gradient with
// a few bars, so link and feed cards show something chart-like offline.
func servePicture(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/test-assets/"), ".png")
	var seed byte
	for _, c := range []byte(name) {
		seed = seed*31 + c
	}
	const wd, ht = 480, 270
	img := image.NewRGBA(image.Rect(0, 0, wd, ht))
	hue := []color.RGBA{{22, 119, 255, 255}, {0, 166, 160, 255}, {122, 90, 248, 255}, {240, 138, 36, 255}}[int(seed)%4]
	mix := func(c color.RGBA, t float64) color.RGBA { // t=0: c, t=1: white
		m := func(v uint8) uint8 { return uint8(float64(v) + (255-float64(v))*t) }
		return color.RGBA{m(c.R), m(c.G), m(c.B), 255}
	}
	for y := 0; y < ht; y++ {
		for x := 0; x < wd; x++ {
			img.Set(x, y, mix(hue, 0.05+0.45*float64(x+y)/float64(wd+ht)))
		}
	}
	for i := 0; i < 7; i++ {
		h := 40 + int(seed+byte(i*53))%150
		for y := ht - 30 - h; y < ht-30; y++ {
			for x := 50 + i*56; x < 50+i*56+34; x++ {
				img.Set(x, y, mix(hue, 0.82))
			}
		}
	}
	w.Header().Set("Content-Type", "image/png")
	_ = png.Encode(w, img)
}
