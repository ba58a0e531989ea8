// Load and soak specs for the fake robot (label "load"): many concurrent
// senders over many robots for a bounded time, on 127.0.0.1, under -race.
// Every accepted answer is in the journal (below the cap), drops above the
// cap are counted exactly, the rate limit and msgUuid de-duplication are
// exact under concurrency, memory stays bounded by the journal cap, and no
// goroutine outlives Close. Senders use the validating client, so every
// answer under load is checked against openapi.yaml too.
//
// MOCKDINGTALK_SOAK=30s makes the soak run longer than its CI default.

package mockdingtalk_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.uber.org/goleak"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

// soakFor is how long the soak spec sends: 1.5 s in CI, or
// $MOCKDINGTALK_SOAK.
func soakFor() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("MOCKDINGTALK_SOAK")); err == nil && d > 0 {
		return d
	}
	return 1500 * time.Millisecond
}

// loadClient is a validating HTTP client with enough idle connections for
// n senders, closed when the spec ends.
func loadClient(n int) *http.Client {
	return checkedWith(&http.Transport{MaxIdleConnsPerHost: n, MaxConnsPerHost: n}, 30*time.Second)
}

// parallel runs f(i) on n goroutines released together, and waits for all.
func parallel(n int, f func(i int)) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			defer GinkgoRecover()
			<-start
			f(i)
		})
	}
	close(start)
	wg.Wait()
}

// sendOK posts body and returns the answer; any transport error or
// non-200 answer fails the spec. Pass negativeCtx for a request that breaks
// openapi.yaml on purpose.
func sendOK(client *http.Client, u, contentType, body string, ctx ...context.Context) dingtalk.Response {
	GinkgoHelper()
	rep, err := post(client, u, contentType, body, ctx...)
	Expect(err).NotTo(HaveOccurred())
	Expect(rep.status).To(Equal(http.StatusOK))
	return rep.resp
}

var _ = Describe("Under load", Label("load"), func() {
	var client *http.Client

	BeforeEach(func() {
		// Registered first, so it runs last: after every server and client
		// the spec made is closed, nothing of theirs may still run.
		ignore := goleak.IgnoreCurrent()
		DeferCleanup(func() { Expect(goleak.Find(ignore)).To(Succeed()) })
		client = loadClient(64)
	})

	It("journals every accepted answer while many senders use many robots (soak)", func() {
		s := mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{JournalCap: 200000})
		const robots, senders = 24, 32
		tokens := make([]string, robots)
		for i := range tokens {
			r := mockdingtalk.Robot{Name: fmt.Sprint("r", i), RateLimitPerMinute: intp(0)}
			switch i % 4 {
			case 1:
				r.Keywords = []string{"告警"}
			case 2:
				r.Secret = vectorSecret // unsigned sends are refused: 310000
			case 3:
				r.RateLimitPerMinute = intp(20) // 130101 after 20
			}
			tokens[i] = addRobot(s, r)
		}
		var sent atomic.Int64
		// What each sender saw accepted, as "token msgUuid", to compare
		// with the journal as multisets.
		acceptedBy := make([][]string, senders)
		deadline := time.Now().Add(soakFor())
		// Each sender sends at least minSends, however slow the machine,
		// then goes on until the deadline: the work is bounded by count,
		// not by how fast a busy CI host happens to be.
		const minSends = 10
		parallel(senders, func(g int) {
			for j := 0; (j < minSends || time.Now().Before(deadline)) && j < 5000; j++ {
				token := tokens[(g+j)%robots]
				uuid := fmt.Sprintf("g%d-%d", g, j)
				ctype, content, c := jsonType, "告警 load", context.Background()
				switch j % 10 {
				case 7:
					ctype, c = "text/plain", negativeCtx // 43004
				case 8:
					content = "load" // no keyword: 310000 where keywords are set
				case 9:
					uuid = "g0-0" // repeated per robot: acknowledged, not delivered again
				}
				body := `{"msgtype":"text","text":{"content":"` + content + `"},"msgUuid":"` + uuid + `"}`
				resp := sendOK(client, s.WebhookURL(token), ctype, body, c)
				sent.Add(1)
				if resp.ErrCode == 0 {
					acceptedBy[g] = append(acceptedBy[g], token+" "+uuid)
				}
			}
		})
		var answered []string
		for _, a := range acceptedBy {
			answered = append(answered, a...)
		}
		GinkgoWriter.Printf("soak: %d sends in %s, %d accepted\n", sent.Load(), soakFor(), len(answered))
		Expect(sent.Load()).To(BeNumerically(">=", senders*minSends), "the soak did some work")

		entries := s.Entries(journal.Filter{})
		Expect(journalStats(s).Dropped).To(BeZero())
		Expect(entries).To(HaveLen(int(sent.Load())), "one entry per request")
		Expect(journalStats(s).LastSeq).To(Equal(uint64(sent.Load())))
		var journaled []string
		for i, e := range entries {
			Expect(e.Seq).To(Equal(uint64(i+1)), "sequence numbers are dense and ordered")
			if e.Accepted {
				journaled = append(journaled, e.AccessToken+" "+e.Message.MsgUUID)
			}
		}
		slices.Sort(journaled)
		slices.Sort(answered)
		Expect(journaled).To(Equal(answered), "the accepted answers are exactly the accepted journal entries")
	})

	It("counts every drop exactly above the journal cap", func() {
		const capacity, senders, each = 100, 16, 40
		s := mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{JournalCap: capacity})
		tokens := []string{
			addRobot(s, mockdingtalk.Robot{RateLimitPerMinute: intp(0)}),
			addRobot(s, mockdingtalk.Robot{RateLimitPerMinute: intp(0)}),
		}
		parallel(senders, func(g int) {
			for j := range each {
				sendOK(client, s.WebhookURL(tokens[j%2]), jsonType, textBody)
			}
		})
		const total = senders * each
		entries := s.Entries(journal.Filter{})
		Expect(entries).To(HaveLen(capacity))
		Expect(journalStats(s).Dropped).To(Equal(uint64(total - capacity)))
		Expect(journalStats(s).LastSeq).To(Equal(uint64(total)))
		Expect(entries[0].Seq).To(Equal(uint64(total-capacity+1)), "the oldest were dropped")
		Expect(entries[capacity-1].Seq).To(Equal(uint64(total)))
	})

	It("delivers exactly the rate limit when 50 senders send 5 each to one robot", func() {
		s := mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{FreezeAt: t0})
		token := addRobot(s, mockdingtalk.Robot{}) // the default: 20 per minute
		var ok, limited, other atomic.Int64
		parallel(50, func(int) {
			for range 5 {
				switch sendOK(client, s.WebhookURL(token), jsonType, textBody).ErrCode {
				case 0:
					ok.Add(1)
				case 130101:
					limited.Add(1)
				default:
					other.Add(1)
				}
			}
		})
		Expect(ok.Load()).To(BeEquivalentTo(defaultRate))
		Expect(limited.Load()).To(BeEquivalentTo(250 - defaultRate))
		Expect(other.Load()).To(BeZero())
		delivered := true
		Expect(s.Entries(journal.Filter{Delivered: &delivered})).To(HaveLen(defaultRate))
	})

	It("delivers a msgUuid once when 50 senders repeat it at the same moment", func() {
		s := mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{})
		token := addRobot(s, mockdingtalk.Robot{RateLimitPerMinute: intp(0)})
		var acknowledged atomic.Int64
		parallel(50, func(int) {
			if sendOK(client, s.WebhookURL(token), jsonType, `{"msgtype":"text","text":{"content":"once"},"msgUuid":"same"}`).ErrCode == 0 {
				acknowledged.Add(1)
			}
		})
		Expect(acknowledged.Load()).To(BeEquivalentTo(50), "every repeat is acknowledged with errcode 0")
		delivered := true
		Expect(s.Entries(journal.Filter{Delivered: &delivered})).To(HaveLen(1))
		Expect(s.Entries(journal.Filter{})).To(HaveEach(HaveField("Accepted", BeTrue())))
	})

	It("keeps memory bounded by the journal cap while 12 MB of messages pass through", func() {
		const capacity, senders, each = 100, 8, 100 // 800 bodies of 16 KB
		s := newHandler(mockdingtalk.Config{JournalCap: capacity})
		token := addRobot(s, mockdingtalk.Robot{RateLimitPerMinute: intp(0)})
		body := `{"msgtype":"text","text":{"content":"` + strings.Repeat("m", 16<<10) + `"}}`
		heap := func() uint64 {
			runtime.GC()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			return m.HeapAlloc
		}
		// Fill the journal first, so what follows only replaces entries.
		for range capacity {
			serve(s, sendReq{query: "access_token=" + token, contentType: jsonType, body: body})
		}
		before := heap()
		parallel(senders, func(int) {
			for range each {
				r := httptest.NewRequest(http.MethodPost, "/robot/send?access_token="+token, strings.NewReader(body))
				r.Header.Set("Content-Type", jsonType)
				w := httptest.NewRecorder()
				s.ServeHTTP(w, r)
				Expect(w.Code).To(Equal(http.StatusOK))
			}
		})
		after := heap()
		Expect(journalStats(s).Entries).To(Equal(capacity))
		Expect(journalStats(s).Dropped).To(BeEquivalentTo(senders * each))
		growth := int64(after) - int64(before)
		GinkgoWriter.Printf("heap %d -> %d bytes (growth %d) after %d MB through a journal of %d\n", before, after, growth, senders*each*len(body)>>20, capacity)
		Expect(growth).To(BeNumerically("<", 4<<20), "the heap does not grow with the traffic")
	})

	It("leaves no goroutine behind after Close, even with requests held by hang and delay faults", func() {
		s, err := mockdingtalk.Start(mockdingtalk.Config{})
		Expect(err).NotTo(HaveOccurred())
		token := addRobot(s, mockdingtalk.Robot{RateLimitPerMinute: intp(0)})
		_, err = s.AddFault(mockdingtalk.Fault{Kind: mockdingtalk.FaultHang, AccessToken: token, Times: 3})
		Expect(err).NotTo(HaveOccurred())
		errs := make(chan error, 8)
		for range 3 {
			go func() {
				defer GinkgoRecover()
				_, err := client.Post(s.WebhookURL(token), jsonType, strings.NewReader(textBody))
				errs <- err
			}()
		}
		Eventually(func() int { return journalStats(s).Entries }).Should(Equal(3), "three requests are held")
		parallel(8, func(int) { sendOK(client, s.WebhookURL(token), jsonType, textBody) })
		s.Close()
		for range 3 {
			Eventually(errs).Should(Receive(HaveOccurred()), "a held request ends without an answer at Close")
		}
		// The leak check registered in BeforeEach runs after this spec.
	})
})
